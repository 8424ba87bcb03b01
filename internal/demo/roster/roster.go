// Package roster lists the demo's organisations with their departments, and the staff and
// service identities the demo creates, with the role a token for each carries.
package roster

import (
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/demo/synth"
)

// Organisation codes of the demo.
const (
	OrgSdSPisa     = "SDS-PISA"
	OrgArnera      = "COOP-ARNERA"
	OrgAforisma    = "COOP-AFORISMA"
	OrgIlSimbolo   = "COOP-ILSIMBOLO"
	OrgCPIPisa     = "CPI-PISA"
	OrgSchoolsPisa = "SCUOLE-ZONA-PISANA"
	OrgMinistryMA  = "MLPS-ADG-PNI"
	OrgTorino      = "COMUNE-TORINO"
)

// Organisation is one organisation of the demo with its departments.
type Organisation struct {
	Code      string
	Name      string
	Kind      string
	Territory string // Belfiore code of the territory served; empty for national bodies
	Public    bool
	// TaxCode is the organisation's tax number: synthetic, with a valid check digit; the
	// cooperatives' are the employer numbers of the labour registry simulator's hires.
	TaxCode     string
	Departments []Department
}

// Department is a department of a demo organisation.
type Department struct {
	Code string
	Name string
	Kind string
}

// Identity is a member of staff (or a service) the demo creates, with the role a token for
// it should carry. Subjects are stable across loads.
type Identity struct {
	Subject          string
	DisplayName      string
	OrganisationCode string
	DepartmentCode   string // empty when the identity belongs to no department
	// Role is the role the identity plays; the access policy decides what it may see.
	Role access.Role
	// Purposes narrows the purposes the identity's token carries; nil: every purpose the
	// policy grants the role. Two people playing one role for different purposes (the
	// monitoring officer and the auditor) each get a token of their own.
	Purposes []access.Purpose
}

var organisations = []Organisation{
	{OrgSdSPisa, "Società della Salute della Zona Pisana", "HEALTH_SOCIAL_AGENCY", synth.BelfiorePisa, true, "93000000500", []Department{
		{"SOC", "Servizio sociale professionale", "SOCIAL_CARE"},
		{"INCL", "Inclusione sociale e lavoro", "EMPLOYMENT"},
		{"PSI", "Psicologia e salute mentale", "HEALTH"},
		{"DIR", "Direzione e monitoraggio", "OTHER"},
	}},
	{OrgArnera, "Arnera Società Cooperativa Sociale", "COOPERATIVE", synth.BelfiorePisa, false, "01234567897", nil},
	{OrgAforisma, "A.FO.RI.S.MA. Società Cooperativa Sociale", "COOPERATIVE", synth.BelfiorePisa, false, "02345678904", nil},
	{OrgIlSimbolo, "Il Simbolo Società Cooperativa Sociale", "COOPERATIVE", synth.BelfiorePisa, false, "03456789019", nil},
	{OrgCPIPisa, "Centro per l'Impiego di Pisa", "EMPLOYMENT_CENTRE", synth.BelfiorePisa, true, "94000000508", nil},
	{OrgSchoolsPisa, "Rete degli istituti comprensivi della Zona Pisana", "SCHOOL", synth.BelfiorePisa, true, "80000000507", nil},
	{OrgMinistryMA, "Ministero del Lavoro e delle Politiche Sociali – Autorità di gestione PN Inclusione", "MANAGING_AUTHORITY", "", true,
		"80000000580", nil},
	{OrgTorino, "Città di Torino", "MUNICIPALITY", synth.BelfioreTorino, true, "00500000013", []Department{
		{"SOC", "Servizi sociali", "SOCIAL_CARE"},
		{"HOUSING", "Emergenza abitativa", "HOUSING"},
		{"LAVORO", "Lavoro e inclusione", "EMPLOYMENT"},
	}},
}

// Subjects with a part in the generated workflow beyond the social workers and case
// managers.
const (
	SubjectEmploymentPisa = "eo.pisa.greco"
	SubjectSchoolPisa     = "sl.pisa.ricci"
	SubjectTorinoSocial   = "sw.torino.colombo"
	SubjectTorinoHousing  = "ho.torino.gallo"
	SubjectTorinoWork     = "eo.torino.longo"
)

var identities = []Identity{
	{"sw.pisa.rossi", "Giulia Rossi", OrgSdSPisa, "SOC", access.RoleSocialWorker, nil},
	{"sw.pisa.bianchi", "Marco Bianchi", OrgSdSPisa, "SOC", access.RoleSocialWorker, nil},
	{"sw.pisa.galli", "Elena Galli", OrgSdSPisa, "SOC", access.RoleSocialWorker, nil},
	{"sw.pisa.conti", "Silvia Conti", OrgSdSPisa, "SOC", access.RoleSocialWorker, nil},
	{"sw.pisa.ferri", "Paola Ferri", OrgSdSPisa, "SOC", access.RoleSocialWorker, nil},
	{"sw.pisa.esposito", "Chiara Esposito", OrgSdSPisa, "SOC", access.RoleSocialWorker, nil},
	{"sw.pisa.fabbri", "Luca Fabbri", OrgSdSPisa, "SOC", access.RoleSocialWorker, nil},
	{"cm.arnera.lombardi", "Francesca Lombardi", OrgArnera, "", access.RoleCaseManager, nil},
	{"cm.arnera.moretti", "Davide Moretti", OrgArnera, "", access.RoleCaseManager, nil},
	{"cm.aforisma.barbieri", "Sara Barbieri", OrgAforisma, "", access.RoleCaseManager, nil},
	{"cm.aforisma.fontana", "Andrea Fontana", OrgAforisma, "", access.RoleCaseManager, nil},
	{"cm.simbolo.santoro", "Valentina Santoro", OrgIlSimbolo, "", access.RoleCaseManager, nil},
	{"cm.simbolo.mariani", "Matteo Mariani", OrgIlSimbolo, "", access.RoleCaseManager, nil},
	{SubjectEmploymentPisa, "Antonio Greco", OrgCPIPisa, "", access.RoleEmploymentOfficer, nil},
	{SubjectSchoolPisa, "Roberta Ricci", OrgSchoolsPisa, "", access.RoleSchoolLiaison, nil},
	{"esf.monitor.serra", "Laura Serra", OrgMinistryMA, "", access.RoleESFAuditor, []access.Purpose{access.PurposeESFMonitoring}},
	{"esf.auditor.testa", "Giorgio Testa", OrgMinistryMA, "", access.RoleESFAuditor, []access.Purpose{access.PurposeESFAudit}},
	{"dashboard.sds-pisa", "SdS Pisa monitoring dashboard", OrgSdSPisa, "DIR", access.RoleDashboard, nil},
	{"dpo.sds-pisa.valentini", "Roberto Valentini", OrgSdSPisa, "DIR", access.RoleDPO, nil},
	{"admin.sds-pisa", "Ponte administrator, SdS Pisa", OrgSdSPisa, "DIR", access.RoleAdmin, nil},
	{SubjectTorinoSocial, "Alessandra Colombo", OrgTorino, "SOC", access.RoleSocialWorker, nil},
	{SubjectTorinoHousing, "Stefano Gallo", OrgTorino, "HOUSING", access.RoleSocialWorker, nil},
	{SubjectTorinoWork, "Federica Longo", OrgTorino, "LAVORO", access.RoleEmploymentOfficer, nil},
}

// Identities lists the staff and service identities the demo creates, one or more per role.
func Identities() []Identity { return append([]Identity(nil), identities...) }

// Organisations lists the organisations the demo creates.
func Organisations() []Organisation {
	out := make([]Organisation, len(organisations))
	for i, o := range organisations {
		o.Departments = append([]Department(nil), o.Departments...)
		out[i] = o
	}
	return out
}
