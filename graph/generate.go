package graph

// gqlgen resolves the paths in gqlgen.yml from the working directory, hence the cd.
//go:generate sh -c "cd .. && go run ./graph/gqlgen"
