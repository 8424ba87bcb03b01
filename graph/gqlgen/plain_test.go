package main

import (
	"strings"
	"testing"
)

// gqlgenField is a field resolver as gqlgen v0.17 writes it, with its middleware and
// marshaller to fill in.
const gqlgenField = `func (ec *executionContext) _Person_familyName(ctx context.Context, field graphql.CollectedField, obj *casedata.Person) (ret graphql.Marshaler) {
	return graphql.ResolveField(
		ctx,
		ec.OperationContext,
		field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
			return ec.fieldContext_Person_familyName(ctx, field)
		},
		func(ctx context.Context) (any, error) {
			return RESOLVE
		},
		MIDDLEWARE,
		func(ctx context.Context, selections ast.SelectionSet, v string) graphql.Marshaler {
			return ec.MARSHAL(ctx, selections, v)
		},
		true,
		false,
	)
}
func (ec *executionContext) fieldContext_Person_familyName(_ context.Context, field graphql.CollectedField) (fc *graphql.FieldContext, err error) {
	return graphql.NewScalarFieldContext("Person", field, false, false, errNoChildFieldsString)
}
`

const categoryMiddleware = `func(ctx context.Context, next graphql.Resolver) graphql.Resolver {
			directive0 := next

			directive1 := func(ctx context.Context) (any, error) {
				name, err := ec.unmarshalNDataCategory2string(ctx, "IDENTITY")
				if err != nil {
					var zeroVal string
					return zeroVal, err
				}
				if ec.Directives.Category == nil {
					var zeroVal string
					return zeroVal, errors.New("directive category is not implemented")
				}
				return ec.Directives.Category(ctx, obj, directive0, name)
			}

			next = directive1
			return next
		}`

const marshallers = `func (ec *executionContext) marshalNString2string(ctx context.Context, sel ast.SelectionSet, v string) graphql.Marshaler {
	_ = sel
	res := graphql.MarshalString(v)
	if res == graphql.Null {
		if !graphql.HasFieldError(ctx, graphql.GetFieldContext(ctx)) {
			graphql.AddErrorf(ctx, "the requested element is null which the schema does not allow")
		}
	}
	return res
}

func (ec *executionContext) marshalNDateTime2timeᚐTime(ctx context.Context, sel ast.SelectionSet, v time.Time) graphql.Marshaler {
	_ = sel
	res := scalar.MarshalDateTime(v)
	if res == graphql.Null {
		if !graphql.HasFieldError(ctx, graphql.GetFieldContext(ctx)) {
			graphql.AddErrorf(ctx, "the requested element is null which the schema does not allow")
		}
	}
	return res
}

func (ec *executionContext) marshalOString2ᚖstring(ctx context.Context, sel ast.SelectionSet, v *string) graphql.Marshaler {
	if v == nil {
		return graphql.Null
	}
	_ = sel
	_ = ctx
	res := graphql.MarshalString(*v)
	return res
}

func (ec *executionContext) marshalNString2ᚖstring(ctx context.Context, sel ast.SelectionSet, v *string) graphql.Marshaler {
	if v == nil {
		if !graphql.HasFieldError(ctx, graphql.GetFieldContext(ctx)) {
			graphql.AddErrorf(ctx, "the requested element is null which the schema does not allow")
		}
		return graphql.Null
	}
	res := graphql.MarshalString(*v)
	return res
}
`

func field(resolve, middleware, marshal string) string {
	return strings.NewReplacer("RESOLVE", resolve, "MIDDLEWARE", middleware, "MARSHAL", marshal).Replace(gqlgenField)
}

func TestSilentMarshallers(t *testing.T) {
	got := classifyMarshallers(functions(marshallers, marshalFunc))
	want := map[string]marshaller{
		"marshalNString2string":      {silent: true, quoted: "value"},   // MarshalString never yields null
		"marshalNDateTime2timeᚐTime": {},                                // a zero time is written as null, an error
		"marshalOString2ᚖstring":     {silent: true, quoted: "pointer"}, // null is a value, no error
		"marshalNString2ᚖstring":     {},                                // a nil pointer is an error
	}
	for name, m := range want {
		if got[name] != m {
			t.Errorf("%s: %+v, want %+v", name, got[name], m)
		}
	}
	if len(got) != len(want) {
		t.Errorf("found %d marshallers, want %d: %v", len(got), len(want), got)
	}
}

func TestRewritePlain(t *testing.T) {
	kinds := classifyMarshallers(functions(marshallers, marshalFunc))
	person := func(p plainField) map[string]plainField {
		p.object, p.field = "Person", "familyName"
		return map[string]plainField{p.funcName(): p}
	}
	for _, c := range []struct {
		name                       string
		resolve, middleware, marsh string
		field                      plainField
		want                       []string // lines the new body has, in order
		kept                       bool     // left to gqlgen
	}{{
		name: "struct read with a category", resolve: "obj.FamilyName, nil", middleware: categoryMiddleware, marsh: "marshalNString2string",
		field: plainField{goField: "FamilyName", category: true, leaf: true},
		want: []string{
			"defer ec.recoverPlainField(ctx, field, (*executionContext).fieldContext_Person_familyName, &ret)",
			"if !ec.categoryAllows(&ec.local, ctx, field, (*executionContext).fieldContext_Person_familyName, obj, fieldCategoryIDENTITY) {",
			"return (*quotedString)(&obj.FamilyName)",
		},
	}, {
		name: "struct read without directives", resolve: "obj.FamilyName, nil", middleware: "nil", marsh: "marshalOString2ᚖstring",
		field: plainField{goField: "FamilyName", leaf: true},
		want:  []string{"defer ec.recoverPlainField(", "if obj.FamilyName == nil {", "return graphql.Null", "return (*quotedString)(obj.FamilyName)"},
	}, {
		name: "resolver", resolve: "ec.Resolvers.Person().FamilyName(ctx, obj)", middleware: "nil", marsh: "marshalNString2string",
		field: plainField{resolver: true, leaf: true},
		want: []string{
			"v, err := ec.Resolvers.Person().FamilyName(ctx, obj)",
			"ec.plainFieldError(ctx, field, (*executionContext).fieldContext_Person_familyName, err)",
			"return ec.marshalNString2string(ctx, field.Selections, v)",
		},
	}, {
		name: "a marshaller that may report null", resolve: "obj.FamilyName, nil", middleware: "nil", marsh: "marshalNString2ᚖstring",
		field: plainField{goField: "FamilyName", leaf: true}, kept: true,
	}, {
		name: "direct: a resolver with a category", resolve: "ec.Resolvers.Person().FamilyName(ctx, obj)", middleware: categoryMiddleware, marsh: "marshalNString2ᚖstring",
		field: plainField{resolver: true, category: true},
		want: []string{
			"fc, err := ec.fieldContext_Person_familyName(ctx, field)",
			"ctx = graphql.WithFieldContext(ctx, fc)",
			"defer ec.recoverDirectField(ctx, &ret)",
			"read, err := checkCategory(&ec.local, ctx, obj, fieldCategoryIDENTITY)",
			"return ec.directFieldError(ctx, fc, err, false)",
			"res, err := ec.Resolvers.Person().FamilyName(ctx, obj)",
			"return ec.directFieldError(ctx, fc, err, false)",
			"read.Record()",
			"return ec.marshalNString2ᚖstring(ctx, field.Selections, res)",
		},
	}, {
		name: "direct: a struct read", resolve: "obj.FamilyName, nil", middleware: "nil", marsh: "marshalNString2ᚖstring",
		field: plainField{goField: "FamilyName"},
		want: []string{
			"ctx = graphql.WithFieldContext(ctx, fc)",
			"res := obj.FamilyName",
			"return ec.marshalNString2ᚖstring(ctx, field.Selections, res)",
		},
	}} {
		t.Run(c.name, func(t *testing.T) {
			src := field(c.resolve, c.middleware, c.marsh)
			out, n, err := rewritePlain(src, person(c.field), kinds)
			if err != nil {
				t.Fatal(err)
			}
			if c.kept {
				if n != 0 || out != src {
					t.Fatalf("rewrote a field whose marshaller may report null:\n%s", out)
				}
				return
			}
			if n != 1 || strings.Contains(out, "graphql.ResolveField") {
				t.Fatalf("rewrote %d fields:\n%s", n, out)
			}
			if !strings.Contains(out, "func (ec *executionContext) fieldContext_Person_familyName(") {
				t.Fatalf("the field context function is gone:\n%s", out)
			}
			rest := out
			for _, line := range c.want {
				i := strings.Index(rest, line)
				if i < 0 {
					t.Fatalf("no %q (in order) in:\n%s", line, out)
				}
				rest = rest[i+len(line):]
			}
		})
	}
}

// What gqlgen writes must be what the rewrite expects, or the generator stops.
func TestRewritePlainRefusesOtherOutput(t *testing.T) {
	kinds := classifyMarshallers(functions(marshallers, marshalFunc))
	fields := map[string]plainField{"_Person_familyName": {object: "Person", field: "familyName", goField: "FamilyName", leaf: true}}
	for name, src := range map[string]string{
		"another resolver shape": strings.Replace(field("obj.FamilyName, nil", "nil", "marshalNString2string"), "ec.OperationContext,", "ec.OperationContext, nil,", 1),
		"another struct field":   field("obj.GivenName, nil", "nil", "marshalNString2string"),
		"a directive besides":    field("obj.FamilyName, nil", strings.Replace(categoryMiddleware, "next = directive1", "directive2 := directive1\n\t\t\tnext = directive2", 1), "marshalNString2string"),
	} {
		if _, _, err := rewritePlain(src, fields, kinds); err == nil {
			t.Errorf("%s: rewritten", name)
		}
	}
}

// object is an object's marshaller as gqlgen writes it once the deferred groups and the
// return are rewritten, with the given field cases.
func object(cases string) string {
	return `func (ec *executionContext) _Thing(ctx context.Context, sel ast.SelectionSet, obj *model.Thing) graphql.Marshaler {
	fields := graphql.CollectFields(ec.OperationContext, sel, thingImplementors)

	out := graphql.NewFieldSet(fields)
` + noDeferred + `	for i, field := range fields {
		switch field.Name {
` + cases + `		default:
			panic("unknown field " + strconv.Quote(field.Name))
		}
	}
` + objectEnd
}

const thingID = `		case "id":
			out.Values[i] = ec._Thing_id(ctx, field, obj)
			if out.Values[i] == graphql.Null {
				out.Invalids++
			}
`

// An object below the root starts from the request's shape of its selection, keeps its
// fields' cases and returns itself.
func TestRewriteObjects(t *testing.T) {
	var n counts
	got, err := rewriteObjects("package generated\n\n"+object(thingID)+"\nvar rest = 1\n", &n)
	if err != nil {
		t.Fatal(err)
	}
	want := "package generated\n\n" + `func (ec *executionContext) _Thing(ctx context.Context, sel ast.SelectionSet, obj *model.Thing) graphql.Marshaler {
	out := newObject(&ec.local, ec.OperationContext, sel, thingImplementors)
	fields := out.fields()
	for i, field := range fields {
		switch field.Name {
` + thingID + `		default:
			panic("unknown field " + strconv.Quote(field.Name))
		}
	}
` + shapedEnd + "\nvar rest = 1\n"
	if got != want || n.shaped != 1 {
		t.Errorf("rewrote %d objects into\n%s\nwant\n%s", n.shaped, got, want)
	}
}

// An object with a field on a goroutine of its own, or ending otherwise, is not rewritten:
// the generator stops.
func TestRewriteObjectsRefusesOtherOutput(t *testing.T) {
	for name, src := range map[string]string{
		"a concurrent field": object(`		case "id":
			out.Concurrently(i, func(ctx context.Context) graphql.Marshaler { return ec._Thing_id(ctx, field, obj) })
`),
		"another end": strings.Replace(object(thingID), "\treturn marshalObject(fields, out.Values)\n", "\treturn out\n", 1),
	} {
		var n counts
		if _, err := rewriteObjects(src, &n); err == nil {
			t.Errorf("%s: rewritten", name)
		}
	}
}

// A root whose fields run concurrently tells the request's slabs to lock; one whose
// fields run in order (a mutation's) is left as it is.
func TestRewriteRoots(t *testing.T) {
	root := func(name, field string) string {
		return "func (ec *executionContext) _" + name + `(ctx context.Context, sel ast.SelectionSet) graphql.Marshaler {
	out := graphql.NewFieldSet(fields)
	for i, field := range fields {
` + field + `	}
	out.Dispatch(ctx)
	return marshalObject(fields, out.Values)
}
`
	}
	query := root("Query", "\t\tout.Concurrently(i, func(ctx context.Context) graphql.Marshaler { return rrm(innerCtx) })\n")
	mutation := root("Mutation", "\t\tout.Values[i] = ec._Mutation_openCase(ctx, field)\n")
	var n counts
	got, err := rewriteRoots(query+"\n"+mutation, &n)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(query, "\tout.Dispatch(ctx)\n", "\tec.local.dispatchRoot(ctx, out)\n", 1) + "\n" + mutation
	if got != want || n.roots != 1 {
		t.Errorf("rewrote %d roots into\n%s\nwant\n%s", n.roots, got, want)
	}
}
