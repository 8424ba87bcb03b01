package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/99designs/gqlgen/codegen"
	"github.com/vektah/gqlparser/v2/ast"
)

// Plain and direct fields.
//
// Most of a page's fields read a struct field of a scalar or enum type: a person's
// familyName, a project's status. gqlgen resolves each through graphql.ResolveField: it
// allocates a field context and a context holding it, closures for the resolver, the
// middleware chain and every directive, boxes the value into an interface and back, and
// boxes it again as the field's Result, so that a middleware or directive could see and
// replace it. Per field that is eight allocations around one struct read; a 50-case page
// reads some 5,000 of them.
//
// The rewrite looks at the fields of objects that are not root types, take no arguments,
// are read from a struct field (not a method) or by a resolver the hub implements, and
// carry no directive but @category.
//
// A plain field is such a field of a scalar or enum type, not a list, so no child of it
// needs its field context for a path, whose marshaller cannot turn the value into null
// (one that could reports "must not be null" against the field context it finds:
// gqlgen's DateTime writes a zero time as null), and which is not a resolver with
// @category. Its function asks the request whether the field's category may be read
// (request.CheckCategory: the @category directive's rule, without a resolver to wrap,
// the value plays no part in it) and records the read, reads the struct field or calls
// the resolver, and marshals the value; a string read from the
// struct is written in place (quotedString), without the closure graphql.MarshalString
// allocates for every value. A field context is built only to report an error or a panic
// at the field's path, as gqlgen would. Its resolver sees the context of the object's
// field, not one of its own: none of the hub's scalar resolvers looks at it (graph/lists'
// Selects, which does, serves connections).
//
// A direct field is any other: an object, a list, a leaf whose marshaller may report
// null, a resolver with @category. Its children need its field context, so that is built
// as gqlgen builds it; what it skips is the closures and the boxing. Its @category is
// checked before the resolver runs and the read recorded once it succeeded, as the
// directive does around the resolver.
//
// The categories are numbered once, in variables (categories.generated.go), rather than
// looked up by name at every field.
//
// Both skip the operation's field middleware (AroundFields, and graphql.OperationContext's
// ResolverMiddleware): the hub installs none that looks at fields without arguments
// (graph/server's refuseUnstorableText reads arguments only), and a test there fails if a
// field middleware is added (TestNoFieldMiddleware).

// plainField is what the rewrite needs to know about one field, from gqlgen's data.
type plainField struct {
	object, field string // GraphQL names
	goField       string // the struct field read, if it is not a resolver's
	resolver      bool   // resolved by the resolver the hub implements
	category      bool   // carries @category
	leaf          bool   // a scalar or enum, not a list: plain; otherwise direct
}

// funcName is the name gqlgen gives the field's resolver function.
func (p plainField) funcName() string { return "_" + p.object + "_" + p.field }

// plainFields lists the fields of data that can be plain or direct; which of the two a
// leaf is depends on its marshaller, known once the code is generated.
func plainFields(data *codegen.Data) map[string]plainField {
	out := map[string]plainField{}
	for _, o := range data.Objects {
		if o.Root {
			continue
		}
		for _, f := range o.Fields {
			if len(f.Args) > 0 || f.Stream || f.TypeReference == nil || strings.HasPrefix(f.Name, "__") {
				continue
			}
			if !f.IsResolver && !f.IsVariable() {
				continue
			}
			k := f.TypeReference.Definition.Kind
			leaf := f.TypeReference.GQL.Elem == nil && (k == ast.Scalar || k == ast.Enum)
			// A resolver runs inside its directives and may fail: with @category, a plain
			// field would log the read before the resolver ran, so such a leaf is direct,
			// which records the read once the resolver succeeded (writeDirect).
			if leaf && f.IsResolver && len(f.Directives) > 0 {
				leaf = false
			}
			category, other := false, false
			for _, d := range f.Directives {
				if d.Name == "category" {
					category = true
				} else {
					other = true
				}
			}
			if other {
				continue
			}
			p := plainField{object: o.Name, field: f.Name, category: category, resolver: f.IsResolver, leaf: leaf}
			if !f.IsResolver {
				p.goField = f.GoFieldName
			}
			out[p.funcName()] = p
		}
	}
	return out
}

var (
	// fieldFunc starts a field's resolver function; it ends at the first "\n}\n".
	fieldFunc = regexp.MustCompile(`(?m)^func \(ec \*executionContext\) (_[\pL\pN_]+)\(ctx context\.Context, field graphql\.CollectedField, obj (\*[\w.]+)\) \(ret graphql\.Marshaler\) \{\n`)
	// resolveFieldBody is the whole body gqlgen writes for a field read from a struct;
	// its middleware is nil or the @category directive alone.
	resolveFieldBody = regexp.MustCompile(`^\treturn graphql\.ResolveField\(
		ctx,
		ec\.OperationContext,
		field,
		func\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{
			return ec\.(fieldContext_[\pL\pN_]+)\(ctx, field\)
		\},
		func\(ctx context\.Context\) \(any, error\) \{
			return (?:obj\.(\w+), nil|(ec\.Resolvers\.\w+\(\)\.\w+)\(ctx, obj\))
		\},
		(?:nil|func\(ctx context\.Context, next graphql\.Resolver\) graphql\.Resolver \{
			directive0 := next

			directive1 := func\(ctx context\.Context\) \(any, error\) \{
				name, err := ec\.unmarshalNDataCategory2string\(ctx, "(\w+)"\)
				if err != nil \{
					var zeroVal [\pL\pN_.*\[\]]+
					return zeroVal, err
				\}
				if ec\.Directives\.Category == nil \{
					var zeroVal [\pL\pN_.*\[\]]+
					return zeroVal, errors\.New\("directive category is not implemented"\)
				\}
				return ec\.Directives\.Category\(ctx, obj, directive0, name\)
			\}

			next = directive1
			return next
		\}),
		func\(ctx context\.Context, selections ast\.SelectionSet, v ([\pL\pN_.*\[\]]+)\) graphql\.Marshaler \{
			return ec\.(marshal[\pL\pN_]+)\(ctx, selections, v\)
		\},
		true,
		(true|false),
	\)
}
$`)
	// marshalFunc starts a marshaller of a value.
	marshalFunc = regexp.MustCompile(`(?m)^func \(ec \*executionContext\) (marshal[\pL\pN_]+)\(ctx context\.Context, sel ast\.SelectionSet, v [^)]+\) graphql\.Marshaler \{\n`)
	// nonNullMarshal is a non-null scalar's marshaller: it reports null as an error.
	nonNullMarshal = regexp.MustCompile(`^\t_ = sel
	res := ([\w.]+)\(v\)
	if res == graphql\.Null \{
		if !graphql\.HasFieldError\(ctx, graphql\.GetFieldContext\(ctx\)\) \{
			graphql\.AddErrorf\(ctx, "the requested element is null which the schema does not allow"\)
		\}
	\}
	return res
}
$`)
)

// neverNull are the scalar marshallers that write every value they are given.
var neverNull = map[string]bool{
	"graphql.MarshalString":  true,
	"graphql.MarshalID":      true,
	"graphql.MarshalBoolean": true,
	"graphql.MarshalInt":     true,
	"graphql.MarshalInt32":   true,
	"graphql.MarshalInt64":   true,
	"scalar.MarshalDate":     true,
}

// functions splits src into the bodies of the functions re matches, by the name in its
// first group: from the line after the signature up to and including the closing brace.
func functions(src string, re *regexp.Regexp) map[string]string {
	out := map[string]string{}
	for _, m := range re.FindAllStringSubmatchIndex(src, -1) {
		name := src[m[2]:m[3]]
		end := strings.Index(src[m[1]:], "\n}\n")
		if end < 0 {
			continue
		}
		out[name] = src[m[1] : m[1]+end+3]
	}
	return out
}

// marshaller is what the rewrite knows of a marshaller.
type marshaller struct {
	// silent: it never reports an error of its own (it does not look at the context, or
	// wraps a marshaller that never yields null).
	silent bool
	// quoted is "value" or "pointer" when it writes a string (or a pointer to one, null
	// for nil) through graphql.MarshalString, as quotedString writes it in place.
	quoted string
}

var (
	// quotedValue and quotedPointer are the bodies of the nullable string marshallers.
	quotedValue = regexp.MustCompile(`^\t_ = sel
	_ = ctx
	res := graphql\.Marshal(?:String|ID)\(v\)
	return res
}
$`)
	quotedPointer = regexp.MustCompile(`^\tif v == nil \{
		return graphql\.Null
	\}
	_ = sel
	_ = ctx
	res := graphql\.Marshal(?:String|ID)\(\*v\)
	return res
}
$`)
)

// classifyMarshallers says what each marshaller of bodies is.
func classifyMarshallers(bodies map[string]string) map[string]marshaller {
	out := map[string]marshaller{}
	for name, body := range bodies {
		var m marshaller
		if g := nonNullMarshal.FindStringSubmatch(body); g != nil {
			m.silent = neverNull[g[1]]
			if g[1] == "graphql.MarshalString" || g[1] == "graphql.MarshalID" {
				m.quoted = "value"
			}
		} else {
			rest := strings.ReplaceAll(body, "_ = ctx\n", "")
			m.silent = !strings.Contains(rest, "ctx")
			switch {
			case quotedValue.MatchString(body):
				m.quoted = "value"
			case quotedPointer.MatchString(body):
				m.quoted = "pointer"
			}
		}
		out[name] = m
	}
	return out
}

// rewritePlain replaces the resolver functions of the plain fields in src; it returns
// the new text and how many it rewrote.
func rewritePlain(src string, fields map[string]plainField, marshallers map[string]marshaller) (string, int, error) {
	var b strings.Builder
	last, n := 0, 0
	for _, m := range fieldFunc.FindAllStringSubmatchIndex(src, -1) {
		name := src[m[2]:m[3]]
		p, ok := fields[name]
		if !ok {
			continue
		}
		end := strings.Index(src[m[1]:], "\n}\n")
		if end < 0 {
			return "", 0, fmt.Errorf("%s has no end", name)
		}
		body := src[m[1] : m[1]+end+3]
		g := resolveFieldBody.FindStringSubmatch(body)
		if g == nil {
			return "", 0, fmt.Errorf("%s (%s.%s) is not the struct read gqlgen writes: gqlgen's output changed", name, p.object, p.field)
		}
		fieldContext, goField, resolver, category, marshal, nonNull := g[1], g[2], g[3], g[4], g[6], g[7]
		if goField != p.goField || (resolver != "") != p.resolver || (category != "") != p.category {
			return "", 0, fmt.Errorf("%s reads obj.%s (resolver %q) with category %q; gqlgen's data says obj.%s, resolver %v, category %v",
				name, goField, resolver, category, p.goField, p.resolver, p.category)
		}
		if !p.leaf {
			b.WriteString(src[last:m[1]])
			writeDirect(&b, fieldContext, goField, resolver, category, marshal, nonNull)
			last = m[1] + end + 3
			n++
			continue
		}
		kind := marshallers[marshal]
		if !kind.silent {
			continue // its marshaller may report null, against the field's context
		}
		b.WriteString(src[last:m[1]])
		fmt.Fprintf(&b, "\tdefer ec.recoverPlainField(ctx, field, (*executionContext).%s, &ret)\n", fieldContext)
		if category != "" {
			fmt.Fprintf(&b, "\tif !ec.categoryAllows(&ec.local, ctx, field, (*executionContext).%s, obj, %s) {\n\t\treturn graphql.Null\n\t}\n", fieldContext, categoryVar(category))
		}
		if resolver != "" {
			fmt.Fprintf(&b, "\tv, err := %s(ctx, obj)\n\tif err != nil {\n\t\tec.plainFieldError(ctx, field, (*executionContext).%s, err)\n\t\treturn graphql.Null\n\t}\n", resolver, fieldContext)
			fmt.Fprintf(&b, "\treturn ec.%s(ctx, field.Selections, v)\n}\n", marshal)
		} else if kind.quoted == "value" {
			fmt.Fprintf(&b, "\treturn (*quotedString)(&obj.%s)\n}\n", goField)
		} else if kind.quoted == "pointer" {
			fmt.Fprintf(&b, "\tif obj.%s == nil {\n\t\treturn graphql.Null\n\t}\n\treturn (*quotedString)(obj.%s)\n}\n", goField, goField)
		} else {
			fmt.Fprintf(&b, "\treturn ec.%s(ctx, field.Selections, obj.%s)\n}\n", marshal, goField)
		}
		last = m[1] + end + 3
		n++
	}
	b.WriteString(src[last:])
	return b.String(), n, nil
}

// writeDirect writes the body of a direct field: one that is not a leaf, so its children
// need its field context, built as gqlgen builds it. What it skips is gqlgen's resolver,
// middleware and directive closures and the boxing of the value. With @category the
// request decides the field before the resolver runs and logs the read once it
// succeeded, as the directive does around the resolver (checkCategory).
func writeDirect(b *strings.Builder, fieldContext, goField, resolver, category, marshal, nonNull string) {
	fmt.Fprintf(b, "\tfc, err := ec.%s(ctx, field)\n\tif err != nil {\n\t\treturn graphql.Null\n\t}\n", fieldContext)
	b.WriteString("\tctx = graphql.WithFieldContext(ctx, fc)\n\tdefer ec.recoverDirectField(ctx, &ret)\n")
	if category != "" {
		fmt.Fprintf(b, "\tread, err := checkCategory(&ec.local, ctx, obj, %s)\n\tif err != nil {\n\t\treturn ec.directFieldError(ctx, fc, err, %s)\n\t}\n", categoryVar(category), nonNull)
	}
	if resolver != "" {
		fmt.Fprintf(b, "\tres, err := %s(ctx, obj)\n\tif err != nil {\n\t\treturn ec.directFieldError(ctx, fc, err, %s)\n\t}\n", resolver, nonNull)
	} else {
		fmt.Fprintf(b, "\tres := obj.%s\n", goField)
	}
	if category != "" {
		b.WriteString("\tread.Record()\n")
	}
	fmt.Fprintf(b, "\treturn ec.%s(ctx, field.Selections, res)\n}\n", marshal)
}

// categoryVar is the variable holding a DataCategory's request.FieldCategory
// (writeCategories).
func categoryVar(name string) string { return "fieldCategory" + name }
