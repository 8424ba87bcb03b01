package main

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/connectors/pdnd"
	"github.com/ponte-hub/ponte/connectors/sim"
	"github.com/ponte-hub/ponte/internal/cli"
)

// runRegistrySim serves the simulated registries (benefits, labour, school)
// and their PDND token endpoint until ctx is cancelled.
func runRegistrySim(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("registry-sim", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8089", "listen address (loopback)")
	records := fs.Int("records", 1000, "synthetic records per collection, generated on demand")
	seed := fs.Int64("seed", 1, "seed for generated data and faults")
	datasetFile := fs.String("dataset", "", "JSON file with {\"persons\":[{\"tax_code\":…,\"household_id\":…}]} to derive records for")
	errorRate := fs.Float64("error-rate", 0, "fraction of data requests answered 5xx")
	rate429 := fs.Float64("rate-429", 0, "fraction of data requests answered 429")
	truncateRate := fs.Float64("truncate-rate", 0, "fraction of answers cut short")
	retryAfter := fs.Duration("retry-after", time.Second, "Retry-After sent with 429 and 503")
	latency := fs.Duration("latency", 0, "latency added to every data request")
	malformedRate := fs.Float64("malformed-rate", 0, "fraction of records with bad JSON, enum, date or tax code")
	missingRate := fs.Float64("missing-field-rate", 0, "fraction of records missing a required field")
	unknownRate := fs.Float64("unknown-field-rate", 0, "fraction of records with an extra unknown field")
	clientID := fs.String("client-id", "ponte-local", "PDND client id accepted by the token endpoint")
	keyID := fs.String("key-id", "", "kid required in client assertions (default: the public key's RFC 7638 thumbprint)")
	purposes := fs.String("purpose-ids", "", "comma-separated purpose ids allowed (default: any)")
	publicKey := fs.String("public-key", "", "PEM public key of the client; a key pair is generated when empty")
	keyDir := fs.String("key-dir", "", "directory for a generated key pair (default: a new temporary directory)")
	audience := fs.String("audience", sim.DefaultAudience, "e-service audience for vouchers and ModI headers")
	voucherTTL := fs.Duration("voucher-ttl", 600*time.Second, "lifetime of issued vouchers")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}

	ds := sim.Dataset{Seed: *seed, Synthetic: *records}
	if *datasetFile != "" {
		data, err := os.ReadFile(*datasetFile)
		if err != nil {
			return fmt.Errorf("read dataset: %w", err)
		}
		var file sim.Dataset
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&file); err != nil {
			return fmt.Errorf("dataset %s: %w", *datasetFile, err)
		}
		ds.Persons = file.Persons
		if !file.AsOf.IsZero() {
			ds.AsOf = file.AsOf
		}
	}

	var (
		pub               *rsa.PublicKey
		privPath, pubPath string
		err               error
	)
	if *publicKey != "" {
		if pub, err = pdnd.LoadPublicKey(*publicKey); err != nil {
			return err
		}
		pubPath = *publicKey
	} else {
		dir := *keyDir
		if dir == "" {
			if dir, err = os.MkdirTemp("", "ponte-registry-sim-"); err != nil {
				return fmt.Errorf("key directory: %w", err)
			}
		}
		key, err := pdnd.GenerateKey()
		if err != nil {
			return err
		}
		if privPath, pubPath, err = pdnd.WriteKeyPair(dir, "pdnd-client", key); err != nil {
			return err
		}
		pub = &key.PublicKey
	}
	kid := *keyID
	if kid == "" {
		kid = pdnd.Thumbprint(pub)
	}
	var allowed []string
	for _, p := range strings.Split(*purposes, ",") {
		if p = strings.TrimSpace(p); p != "" {
			allowed = append(allowed, p)
		}
	}

	srv, err := sim.New(sim.Options{
		Dataset: ds,
		Faults: sim.Faults{
			Seed: *seed, ErrorRate: *errorRate, Rate429: *rate429, TruncateRate: *truncateRate,
			RetryAfter: *retryAfter, Latency: *latency,
			MalformedRate: *malformedRate, MissingFieldRate: *missingRate, UnknownFieldRate: *unknownRate,
		},
		Auth: sim.Auth{ClientID: *clientID, KeyID: kid, PublicKey: pub, PurposeIDs: allowed, Audience: *audience, VoucherTTL: *voucherTTL},
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	base := "http://" + ln.Addr().String()
	fmt.Printf("registry simulator listening\n  base URL:    %s\n  token URL:   %s/token.oauth2\n  audience:    %s\n  client id:   %s\n  key id:      %s\n",
		base, base, *audience, *clientID, kid)
	if privPath != "" {
		fmt.Printf("  private key: %s\n", privPath)
	}
	fmt.Printf("  public key:  %s\n  records:     %d synthetic per collection", pubPath, *records)
	if len(ds.Persons) > 0 {
		fmt.Printf(" + %d dataset persons", len(ds.Persons))
	}
	fmt.Println()

	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("shutdown: %w", err)
		}
		return nil
	}
}
