// Package reportcmd is `ponte report`: ESF+ reports computed, exported (CSV, XLSX, IN01,
// PUC), drilled into, frozen, verified and listed from the command line, and the signing
// key written, in the layouts internal/esf and its sub-packages produce.
package reportcmd
