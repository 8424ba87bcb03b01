package record_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ponte-hub/ponte/connectors/record"
)

func TestSplitPage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		in      string
		records []string
		cursor  string
		more    bool
		err     string
	}{
		{"empty page", `{"records":[],"next_cursor":null,"has_more":false}`, nil, "", false, ""},
		{"two records", `{"records":[{"a":1}, {"b":[1,2,{"c":"]"}]}],"next_cursor":"x","has_more":true}`, []string{`{"a":1}`, `{"b":[1,2,{"c":"]"}]}`}, "x", true, ""},
		{"bad record kept apart", `{"has_more":false,"records":[{"a":1,,"b":2},{"ok":true}]}`, []string{`{"a":1,,"b":2}`, `{"ok":true}`}, "", false, ""},
		{"escaped quotes", `{"records":["a\"]",{"x":"\\"}],"has_more":false,"extra":{"k":[1]}}`, []string{`"a\"]"`, `{"x":"\\"}`}, "", false, ""},
		{"truncated", `{"records":[{"a":1},{"b":`, nil, "", false, "malformed page"},
		{"unterminated string", `{"records":[{"a":"x}],"has_more":false}`, nil, "", false, "unterminated string"},
		{"missing records", `{"has_more":false}`, nil, "", false, "records member missing"},
		{"missing has_more", `{"records":[]}`, nil, "", false, "has_more member missing"},
		{"more without cursor", `{"records":[],"has_more":true}`, nil, "", false, "next_cursor is empty"},
		{"not an object", `[1,2]`, nil, "", false, "want a JSON object"},
		{"trailing data", `{"records":[],"has_more":false} x`, nil, "", false, "trailing data"},
		{"records not array", `{"records":{},"has_more":false}`, nil, "", false, "want an array"},
		{"bad has_more", `{"records":[],"has_more":"yes"}`, nil, "", false, "has_more: want a boolean"},
		{"duplicate records", `{"records":[],"records":[],"has_more":false}`, nil, "", false, "duplicate records"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, err := record.SplitPage([]byte(tc.in))
			if tc.err != "" {
				require.ErrorIs(t, err, record.ErrPage)
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			got := make([]string, len(env.Records))
			for i, r := range env.Records {
				got[i] = string(r)
			}
			if tc.records == nil {
				tc.records = []string{}
			}
			require.Equal(t, tc.records, got)
			require.Equal(t, tc.cursor, env.NextCursor)
			require.Equal(t, tc.more, env.HasMore)
		})
	}
}

func FuzzSplitPage(f *testing.F) {
	f.Add([]byte(`{"records":[{"a":1},{"b":2}],"next_cursor":"x","has_more":true}`))
	f.Add([]byte(`{"records":[{"a":1,,}],"has_more":false}`))
	f.Add([]byte(`{"records":["\"",[]],"has_more":false}`))
	f.Add([]byte(`{"records":[`))
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := record.SplitPage(b)
		if err != nil {
			return
		}
		if env.HasMore && env.NextCursor == "" {
			t.Fatal("has_more without cursor accepted")
		}
		for _, r := range env.Records {
			if len(r) == 0 {
				continue // an empty element is reported by the record decoder
			}
			// Each record is a sub-slice of the page: it cannot hold more
			// than the page did.
			if len(r) > len(b) {
				t.Fatal("record longer than page")
			}
		}
	})
}

func TestEuro(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want record.Euro
		err  string
	}{
		{"0", 0, ""}, {"480", 48000, ""}, {"480.5", 48050, ""}, {"480.50", 48050, ""}, {"-3.25", -325, ""},
		{"1.234", 0, "more than two decimals"}, {"1e3", 0, "not a decimal"}, {"01", 0, "leading zero"},
		{".5", 0, "not a decimal"}, {"5.", 0, "not a decimal"}, {"", 0, "not a decimal"},
		{"99999999999999999999", 0, "out of range"},
	} {
		got, err := record.ParseEuro(tc.in)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
	require.Equal(t, "480.50", record.Euro(48050).String())
	require.Equal(t, "-0.05", record.Euro(-5).String())
	var e record.Euro
	require.NoError(t, e.UnmarshalText([]byte("12.30")))
	require.Equal(t, record.Euro(1230), e)
}

func FuzzParseEuro(f *testing.F) {
	for _, s := range []string{"0", "12.34", "-1.5", "1e2", "007", "9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := record.ParseEuro(s)
		if err != nil {
			return
		}
		back, err := record.ParseEuro(e.String())
		if err != nil || back != e {
			t.Fatalf("%q → %v does not round-trip: %v", s, e, err)
		}
	})
}

// testKind exercises the field readers.
type thing struct {
	Code   string
	When   string
	Amount record.Euro
	N      *int
	Tags   []string
}

var thingKind = record.Kind[thing]{
	Name: "thing",
	Ref:  func(o *record.Object) string { return o.Peek("code") },
	Decode: func(o *record.Object) thing {
		var th thing
		th.Code = o.TaxCode("code", true)
		if d, ok := o.Date("when", true); ok {
			th.When = d.Format("2006-01-02")
		}
		th.Amount, _ = o.Euro("amount", true)
		th.N = o.OptInt("n", 0, 10)
		o.Array("tags", false, func(i int, e *record.Object) {
			th.Tags = append(th.Tags, e.Enum("name", true, "a", "b"))
		})
		o.Object("meta", false, func(m *record.Object) { m.String("by", true) })
		return th
	},
}

func TestDecodeRecord(t *testing.T) {
	t.Parallel()
	ok := `{"code":"RSSMRA68A01H501Y","when":"2024-02-29","amount":10.5,"n":3,"tags":[{"name":"a"}],"meta":{"by":"x","extra":1},"zzz":true}`
	d, rerr := thingKind.DecodeRecord(0, []byte(ok))
	require.Nil(t, rerr)
	require.Equal(t, "RSSMRA68A01H501Y", d.Value.Code)
	require.Equal(t, "RSSMRA68A01H501Y", d.Raw.SourceRef)
	require.Equal(t, record.Euro(1050), d.Value.Amount)
	require.Equal(t, 3, *d.Value.N)
	require.Equal(t, []record.Warning{{Field: "meta.extra", Message: "unknown field ignored"}, {Field: "zzz", Message: "unknown field ignored"}}, d.Warnings)

	for _, tc := range []struct {
		name, in string
		fields   []string
		reason   string
	}{
		{"missing", `{"when":"2024-01-01","amount":1}`, []string{"code"}, "is required"},
		{"null counts as missing", `{"code":null,"when":"2024-01-01","amount":1}`, []string{"code"}, "is required"},
		{"bad check char", `{"code":"RSSMRA68A01H501X","when":"2024-01-01","amount":1}`, []string{"code"}, "check character"},
		{"bad date", `{"code":"RSSMRA68A01H501Y","when":"2023-02-29","amount":1}`, []string{"when"}, "is not a date"},
		{"wrong type", `{"code":"RSSMRA68A01H501Y","when":20240101,"amount":"1"}`, []string{"when", "amount"}, "want a string, got number"},
		{"out of range", `{"code":"RSSMRA68A01H501Y","when":"2024-01-01","amount":1,"n":11}`, []string{"n"}, "outside [0, 10]"},
		{"nested enum", `{"code":"RSSMRA68A01H501Y","when":"2024-01-01","amount":1,"tags":[{"name":"a"},{"name":"z"},3]}`, []string{"tags[1].name", "tags[2]"}, "is not one of a, b"},
		{"nested required", `{"code":"RSSMRA68A01H501Y","when":"2024-01-01","amount":1,"meta":{}}`, []string{"meta.by"}, "is required"},
		{"three decimals", `{"code":"RSSMRA68A01H501Y","when":"2024-01-01","amount":1.001}`, []string{"amount"}, "more than two decimals"},
		{"negative", `{"code":"RSSMRA68A01H501Y","when":"2024-01-01","amount":-1}`, []string{"amount"}, "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, rerr := thingKind.DecodeRecord(4, []byte(tc.in))
			require.NotNil(t, rerr)
			got := make([]string, len(rerr.Problems))
			for i, p := range rerr.Problems {
				got[i] = p.Field
			}
			require.Equal(t, tc.fields, got)
			require.Contains(t, rerr.Error(), tc.reason)
			require.Equal(t, 4, rerr.Index)
		})
	}

	for _, in := range []string{`[1]`, `"x"`, `{"a":1,,}`, ``, `{`} {
		_, rerr := thingKind.DecodeRecord(0, []byte(in))
		require.NotNil(t, rerr, in)
		require.Equal(t, "", rerr.Field())
		require.True(t, strings.HasPrefix(rerr.Raw.SourceRef, "sha256:"))
	}
}

func TestDecodePageKeepsGoodRecords(t *testing.T) {
	t.Parallel()
	page := `{"records":[
		{"code":"RSSMRA68A01H501Y","when":"2024-01-01","amount":1},
		{"code":"RSSMRA68A01H501Y","when":"2024-01-01",,"amount":1},
		{"code":"CCCFBA85D03L219P","when":"2024-13-01","amount":1},
		{"code":"CCCFBA85D03L219P","when":"2024-12-01","amount":2}
	],"next_cursor":"c2","has_more":true}`
	p, err := record.DecodePage([]byte(page), thingKind)
	require.NoError(t, err)
	require.Len(t, p.Raw, 4)
	require.Len(t, p.Records, 2)
	require.Len(t, p.Errors, 2)
	require.Equal(t, 1, p.Errors[0].Index)
	require.Equal(t, "when", p.Errors[1].Field())
	require.Equal(t, "CCCFBA85D03L219P", p.Errors[1].Raw.SourceRef)
	require.Equal(t, []int{0, 3}, []int{p.Records[0].Index, p.Records[1].Index})
	require.Equal(t, "c2", p.NextCursor)
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add([]byte(`{"code":"RSSMRA68A01H501Y","when":"2024-02-29","amount":10.5,"tags":[{"name":"a"}],"meta":{"by":"x"}}`))
	f.Add([]byte(`{"code":1,"when":null,"amount":"x","tags":{},"meta":[]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, rerr := thingKind.DecodeRecord(0, b)
		if rerr != nil {
			if len(rerr.Problems) == 0 || rerr.Raw.SourceRef == "" || len(rerr.Raw.SHA256) != 64 {
				t.Fatalf("record error without reasons or identity: %+v", rerr)
			}
			return
		}
		if d.Value.Code == "" || d.Value.When == "" {
			t.Fatal("decoded record lacks a required field")
		}
	})
}
