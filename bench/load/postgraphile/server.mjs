// PostGraphile 5 over the hub's database, for the load comparison (bench/load). It logs
// in as the hub's own login role and gives every request's transaction the settings the
// hub sets for the principal it names in the X-Ponte-Load-Principal header (read from
// the JSON file PONTE_LOAD_CLAIMS: {"social_worker": {"role": "ponte_app", ...}, ...}),
// so the row-level security policies admit the rows they admit to the hub.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

const { DATABASE_URL, PONTE_LOAD_CLAIMS, PONTE_LOAD_ADDR = "127.0.0.1:5678" } = process.env;
if (!DATABASE_URL || !PONTE_LOAD_CLAIMS) {
  console.error("DATABASE_URL and PONTE_LOAD_CLAIMS are required");
  process.exit(2);
}
const claims = JSON.parse(readFileSync(PONTE_LOAD_CLAIMS, "utf8"));
const [host, port] = PONTE_LOAD_ADDR.split(":");

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: DATABASE_URL,
      schemas: ["public"],
      pubsub: false,
      // The hub's pool size (PONTE_DB_MAX_CONNS' default).
      poolConfig: { max: 20 },
      pgSettings(requestContext) {
        const who = requestContext.node?.req?.headers["x-ponte-load-principal"];
        const settings = claims[who];
        if (!settings) {
          throw new Error(`unknown principal ${JSON.stringify(who)}`);
        }
        return settings;
      },
    }),
  ],
  grafserv: { graphqlPath: "/graphql", graphiql: false, watch: false, maxRequestLength: 1 << 20 },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on("error", (e) => {
  console.error(e);
  process.exit(1);
});
await serv.addTo(server);
// Build the schema before listening: the first request should not pay for introspection.
await pgl.getSchema();
server.listen(Number(port), host, () => console.log(`postgraphile listening on ${host}:${port}`));
const stop = async () => {
  server.close();
  await pgl.release();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
