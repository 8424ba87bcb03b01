// Package access owns authorization: the Casbin model and policy, principals and their
// purposes, data categories, the per-request access plan, pseudonyms and small-cell suppression.
package access

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ponte-hub/ponte/pkg/apperr"
)

// AuthMethod says how a principal authenticated.
type AuthMethod string

// Authentication methods.
const (
	// MethodJWT: a staff member with an OIDC JWT.
	MethodJWT AuthMethod = "jwt"
	// MethodToken: a partner agency or service with an opaque partner token.
	MethodToken AuthMethod = "token"
)

// Principal is who asks, established by authentication: identity, organisation, role,
// the purposes it may declare, and the one it declared for this request.
type Principal struct {
	// Subject identifies the principal in the access log: the JWT subject, or
	// "token:<id>" for a partner token.
	Subject string
	Method  AuthMethod
	// TokenID is the partner token's id (MethodToken).
	TokenID string
	Role    Role
	// OrganisationID, OrganisationCode, OrganisationKind and Territory describe the
	// principal's organisation as the database knows it.
	OrganisationID   string
	OrganisationCode string
	OrganisationKind string
	Territory        string
	// StaffID is the principal's staff row, when it is a member of staff (row scope
	// "assigned" needs it).
	StaffID string
	// Purposes are the purposes the token or role grants.
	Purposes []Purpose
	// Purpose is the purpose declared for this request; it must be one of Purposes.
	Purpose Purpose
}

// Grants reports whether the principal may declare purpose p.
func (p Principal) Grants(pu Purpose) bool { return slices.Contains(p.Purposes, pu) }

// WithPurpose returns the principal acting for purpose pu, or a *DeniedError (which is
// apperr.ErrForbidden) when pu is not one of its purposes.
func (p Principal) WithPurpose(pu Purpose) (Principal, error) {
	if !p.Grants(pu) {
		return Principal{}, &DeniedError{Reason: fmt.Sprintf("purpose %s is not granted to this %s (granted: %s)", pu, p.describe(), JoinNames(p.Purposes))}
	}
	p.Purpose = pu
	return p, nil
}

func (p Principal) describe() string {
	if p.Method == MethodToken {
		return "token"
	}
	return "role " + string(p.Role)
}

// Validate checks the principal is complete enough to plan for.
func (p Principal) Validate() error {
	var c apperr.Collector
	if strings.TrimSpace(p.Subject) == "" {
		c.Add("subject", "is required")
	}
	if _, err := ParseRole(string(p.Role)); err != nil || p.Role == "" {
		c.Addf("role", "unknown role %q", p.Role)
	}
	if p.Purpose == "" {
		c.Add("purpose", "is required: declare the purpose of use")
	} else if !p.Grants(p.Purpose) {
		c.Addf("purpose", "%s is not granted (granted: %s)", p.Purpose, JoinNames(p.Purposes))
	}
	if err := c.Err(); err != nil {
		return fmt.Errorf("access: principal: %w", err)
	}
	return nil
}

type principalKey struct{}
type planKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal of ctx, if authentication put one there.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// WithPlan returns ctx carrying the request's access plan.
func WithPlan(ctx context.Context, p *Plan) context.Context {
	return context.WithValue(ctx, planKey{}, p)
}

// PlanFrom returns the access plan of ctx, if any.
func PlanFrom(ctx context.Context) (*Plan, bool) {
	p, ok := ctx.Value(planKey{}).(*Plan)
	return p, ok && p != nil
}

// DeniedError says what the plan refused. It is apperr.ErrForbidden for errors.Is.
type DeniedError struct {
	Reason string
}

func (e *DeniedError) Error() string { return "access denied: " + e.Reason }

// Unwrap makes errors.Is(err, apperr.ErrForbidden) hold.
func (e *DeniedError) Unwrap() error { return apperr.ErrForbidden }
