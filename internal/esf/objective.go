package esf

import (
	"fmt"
	"strings"

	"github.com/ponte-hub/ponte/pkg/apperr"
)

// Objective is one ESF+ specific objective of Art. 4(1) of Regulation (EU) 2021/1057.
type Objective struct {
	// Code is the SFC2021 code, the spelling the hub stores and prints: "ESO4.11".
	Code string
	// Letter is the point of Art. 4(1) in the adopted regulation: "k".
	Letter string
	// Proposal is the numeral of the Commission's 2018 proposal (COM(2018) 382) that the
	// objective descends from, "" when it has no single one: the proposal's (iii) became
	// (c) and (d), its (viii) became (i) and (j).
	Proposal string
	// Title is a short description.
	Title string
}

// Objectives lists the thirteen specific objectives, (a) to (m).
var Objectives = []Objective{
	{"ESO4.1", "a", "i", "access to employment and activation of jobseekers, long-term unemployed and inactive people; self-employment and social economy"},
	{"ESO4.2", "b", "ii", "modernising labour market institutions and services"},
	{"ESO4.3", "c", "", "gender-balanced labour market participation, work-life balance, childcare"},
	{"ESO4.4", "d", "", "adaptation of workers, enterprises and entrepreneurs to change; active and healthy ageing"},
	{"ESO4.5", "e", "iv", "quality, inclusiveness and labour-market relevance of education and training systems"},
	{"ESO4.6", "f", "v", "equal access to and completion of quality and inclusive education and training"},
	{"ESO4.7", "g", "vi", "lifelong learning, upskilling and reskilling"},
	{"ESO4.8", "h", "vii", "active inclusion, equal opportunities, employability of disadvantaged groups"},
	{"ESO4.9", "i", "", "socio-economic integration of third-country nationals"},
	{"ESO4.10", "j", "", "socio-economic integration of marginalised communities such as Roma"},
	{"ESO4.11", "k", "ix", "equal and timely access to quality, sustainable and affordable services; modernising social protection"},
	{"ESO4.12", "l", "x", "social integration of people at risk of poverty or social exclusion, including the most deprived and children"},
	{"ESO4.13", "m", "xi", "addressing material deprivation"},
}

// splitProposal names the adopted objectives a proposal numeral was split into.
var splitProposal = map[string]string{
	"iii":  "c (ESO4.3) or d (ESO4.4)",
	"viii": "i (ESO4.9) or j (ESO4.10)",
}

// ObjectiveByCode returns the objective with the given SFC code.
func ObjectiveByCode(code string) (Objective, bool) {
	for _, o := range Objectives {
		if o.Code == code {
			return o, true
		}
	}
	return Objective{}, false
}

// ParseObjective accepts a specific objective in any spelling a user types and returns
// its SFC code: "ESO4.11", "eso 4.11", "k", "(k)", "4(1)(k)", "OS ix", "OS-IX", "OSix" all
// give "ESO4.11". The field names the input in the error.
func ParseObjective(field, s string) (string, error) {
	code, reason := ObjectiveCode(s)
	if reason != "" {
		return "", apperr.Input(field, reason)
	}
	return code, nil
}

// ObjectiveCode is ParseObjective for a caller that words its own problem: the SFC code,
// or why s is none, as a phrase that follows the value ("is empty: ...").
func ObjectiveCode(s string) (string, string) {
	raw := s
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", "is empty: give a specific objective such as ESO4.1, a or OS i"
	}
	compact := strings.NewReplacer(" ", "", "\t", "", "-", "", "_", "").Replace(s)

	// SFC code: ESO4.x
	if rest, ok := strings.CutPrefix(compact, "eso4."); ok {
		for _, o := range Objectives {
			if rest == strings.TrimPrefix(strings.ToLower(o.Code), "eso4.") {
				return o.Code, ""
			}
		}
		return "", fmt.Sprintf("%q is not a specific objective: ESO4.1 to ESO4.13 exist", raw)
	}

	// Proposal numbering: OS i ... OS xi
	if rest, ok := cutAnyPrefix(compact, "o.s.", "os"); ok && rest != "" && isRoman(rest) {
		if split, ok := splitProposal[rest]; ok {
			return "", fmt.Sprintf("%q is ambiguous: the 2018 proposal's objective %s was split in the adopted regulation into %s", raw, rest, split)
		}
		for _, o := range Objectives {
			if o.Proposal == rest {
				return o.Code, ""
			}
		}
		return "", fmt.Sprintf("%q is not a specific objective: the 2018 proposal numbers them OS i to OS xi", raw)
	}

	// Letter of Art. 4(1): "k", "(k)", "k)", "4(1)(k)", "art.4(1)(k)"
	letter := compact
	letter = strings.TrimPrefix(letter, "art.")
	letter = strings.TrimPrefix(letter, "art")
	letter = strings.TrimPrefix(letter, "4(1)")
	letter = strings.TrimPrefix(letter, "(")
	letter = strings.TrimSuffix(letter, ")")
	if len(letter) == 1 {
		for _, o := range Objectives {
			if o.Letter == letter {
				return o.Code, ""
			}
		}
	}
	return "", fmt.Sprintf("%q is not a specific objective: use the SFC code (ESO4.1-ESO4.13), the letter of Art. 4(1) (a-m) or the proposal's numeral (OS i-OS xi)", raw)
}

func cutAnyPrefix(s string, prefixes ...string) (string, bool) {
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return rest, true
		}
	}
	return s, false
}

func isRoman(s string) bool {
	for _, c := range s {
		if c != 'i' && c != 'v' && c != 'x' {
			return false
		}
	}
	return true
}
