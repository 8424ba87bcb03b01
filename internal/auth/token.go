package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store/accessdata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// TokenPrefix starts every partner token, so they are told apart from JWTs and found by
// secret scanners.
const TokenPrefix = "pnt_"

// MaxTokenTTL is the longest a partner token may live.
const MaxTokenTTL = 366 * 24 * time.Hour

// NewPartnerToken returns a fresh token (32 random bytes) and the SHA-256 to store.
func NewPartnerToken() (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("auth: new token: %w", err)
	}
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(token))
	return token, h[:], nil
}

// HashPartnerToken checks a presented token's form and returns its SHA-256.
func HashPartnerToken(token string) ([]byte, error) {
	rest, ok := strings.CutPrefix(token, TokenPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: not a partner token", ErrInvalidToken)
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("%w: malformed partner token", ErrInvalidToken)
	}
	h := sha256.Sum256([]byte(token))
	return h[:], nil
}

// ParseTTL reads a lifetime: "90d", "12h", "30m" or any Go duration, positive and at
// most MaxTokenTTL.
func ParseTTL(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > 366 {
			return 0, fmt.Errorf("auth: lifetime %q: want 1d to 366d, hours (12h) or minutes (30m)", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		d, err = time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("auth: lifetime %q: want 1d to 366d, hours (12h) or minutes (30m)", s)
		}
	}
	if d <= 0 || d > MaxTokenTTL {
		return 0, fmt.Errorf("auth: lifetime %q: must be positive and at most 366 days", s)
	}
	return d, nil
}

// TokenStore is the storage partner tokens need (*store.Store).
type TokenStore interface {
	CreateAccessToken(ctx context.Context, n accessdata.NewToken) (accessdata.Token, error)
	OrganisationByCode(ctx context.Context, code string) (accessdata.OrganisationRef, error)
	StaffBySubject(ctx context.Context, subject string) (accessdata.StaffRef, error)
}

// IssueRequest describes a partner token to issue.
type IssueRequest struct {
	Role             access.Role
	OrganisationCode string
	// StaffSubject binds the token to a staff member of the organisation (needed by
	// roles that see only assigned cases).
	StaffSubject string
	Purposes     []access.Purpose
	TTL          time.Duration
	Label        string
	CreatedBy    string
}

// IssuePartnerToken checks req against the policy and the directory, stores the token's
// hash and returns the token, which is never stored or shown again.
func IssuePartnerToken(ctx context.Context, st TokenStore, authz *access.Authorizer, req IssueRequest) (string, accessdata.Token, error) {
	var c apperr.Collector
	if _, err := access.ParseRole(string(req.Role)); err != nil {
		c.Add("role", err.Error())
	}
	if req.OrganisationCode == "" {
		c.Add("org", "is required")
	}
	if len(req.Purposes) == 0 {
		c.Add("purpose", "at least one is required")
	}
	granted := authz.Policy().PurposesFor(req.Role)
	for _, p := range req.Purposes {
		if !slices.Contains(granted, p) {
			c.Addf("purpose", "%s is not granted to role %s by the access policy (granted: %v)", p, req.Role, granted)
		}
	}
	if req.TTL <= 0 || req.TTL > MaxTokenTTL {
		c.Add("expires", "must be positive and at most 366 days")
	}
	if err := c.Err(); err != nil {
		return "", accessdata.Token{}, err
	}
	org, err := st.OrganisationByCode(ctx, req.OrganisationCode)
	if errors.Is(err, apperr.ErrNotFound) {
		return "", accessdata.Token{}, apperr.Inputf("org", "no organisation with code %q", req.OrganisationCode)
	} else if err != nil {
		return "", accessdata.Token{}, err
	}
	var staffID string
	if req.StaffSubject != "" {
		s, err := st.StaffBySubject(ctx, req.StaffSubject)
		if errors.Is(err, apperr.ErrNotFound) {
			return "", accessdata.Token{}, apperr.Inputf("staff", "no staff member with subject %q", req.StaffSubject)
		} else if err != nil {
			return "", accessdata.Token{}, err
		}
		if s.OrganisationID != org.ID {
			return "", accessdata.Token{}, apperr.Inputf("staff", "%q belongs to another organisation than %s", req.StaffSubject, org.Code)
		}
		staffID = s.ID
	}
	purposes := make([]string, len(req.Purposes))
	for i, p := range req.Purposes {
		plan, err := authz.Plan(access.Principal{Subject: "token-check", Method: access.MethodToken, Role: req.Role,
			OrganisationID: org.ID, OrganisationCode: org.Code, OrganisationKind: org.Kind, Territory: org.Territory,
			StaffID: staffID, Purposes: req.Purposes, Purpose: p})
		if err != nil {
			return "", accessdata.Token{}, err
		}
		if plan.Rows() == access.RowsAssigned && staffID == "" {
			return "", accessdata.Token{}, apperr.Inputf("staff", "role %s sees only the cases assigned to a staff member for %s: bind the token to one", req.Role, p)
		}
		purposes[i] = string(p)
	}
	token, hash, err := NewPartnerToken()
	if err != nil {
		return "", accessdata.Token{}, err
	}
	rec, err := st.CreateAccessToken(ctx, accessdata.NewToken{Hash: hash, Label: req.Label, Role: string(req.Role),
		OrganisationID: org.ID, StaffID: staffID, Purposes: purposes, ExpiresAt: time.Now().Add(req.TTL), CreatedBy: req.CreatedBy})
	if err != nil {
		return "", accessdata.Token{}, err
	}
	return token, rec, nil
}
