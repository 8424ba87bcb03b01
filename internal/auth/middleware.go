package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store/accessdata"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// PurposeHeader is the request header declaring the purpose of use. It may be left out
// when the principal is granted a single purpose.
const PurposeHeader = "Ponte-Purpose"

// Directory is what authentication reads (*store.Store).
type Directory interface {
	AccessTokenByHash(ctx context.Context, hash []byte) (accessdata.Token, error)
	TouchAccessToken(ctx context.Context, id string, at time.Time) error
	OrganisationByCode(ctx context.Context, code string) (accessdata.OrganisationRef, error)
	OrganisationByID(ctx context.Context, id string) (accessdata.OrganisationRef, error)
	StaffBySubject(ctx context.Context, subject string) (accessdata.StaffRef, error)
}

// Error is a refused request: the HTTP status and the GraphQL error code to answer with.
type Error struct {
	Status  int
	Code    string
	Message string
	err     error
}

func (e *Error) Error() string { return "auth: " + e.Message }

// Unwrap exposes the cause (ErrInvalidToken, apperr.ErrForbidden, ...).
func (e *Error) Unwrap() error { return e.err }

func unauthenticated(err error, format string, args ...any) *Error {
	if err == nil {
		err = ErrInvalidToken
	}
	return &Error{Status: http.StatusUnauthorized, Code: "UNAUTHENTICATED", Message: fmt.Sprintf(format, args...), err: err}
}

// Authenticator turns a request's credentials into a principal and its access plan.
type Authenticator struct {
	verifier *Verifier
	dir      Directory
	authz    *access.Authorizer
	now      func() time.Time
	ttl      time.Duration

	mu    sync.Mutex
	orgs  map[string]cached[accessdata.OrganisationRef]
	staff map[string]cached[accessdata.StaffRef]
}

type cached[T any] struct {
	v       T
	found   bool
	expires time.Time
}

// NewAuthenticator builds an authenticator. verifier may be nil: then only partner
// tokens are accepted. Organisation and staff lookups for JWTs are cached for a minute.
func NewAuthenticator(verifier *Verifier, dir Directory, authz *access.Authorizer) *Authenticator {
	return &Authenticator{verifier: verifier, dir: dir, authz: authz, now: time.Now, ttl: time.Minute,
		orgs: map[string]cached[accessdata.OrganisationRef]{}, staff: map[string]cached[accessdata.StaffRef]{}}
}

// Authenticate checks the Authorization header value and the declared purpose, and
// returns the principal with its access plan. Errors are *Error.
func (a *Authenticator) Authenticate(ctx context.Context, authorization, purpose string) (access.Principal, *access.Plan, error) {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(authorization), " ")
	if authorization == "" {
		return access.Principal{}, nil, unauthenticated(nil, "authentication required: send Authorization: Bearer <token>")
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(cred) == "" {
		return access.Principal{}, nil, unauthenticated(nil, "the Authorization header must be \"Bearer <token>\"")
	}
	cred = strings.TrimSpace(cred)
	var p access.Principal
	var err error
	if strings.HasPrefix(cred, TokenPrefix) {
		p, err = a.partner(ctx, cred)
	} else {
		p, err = a.staffJWT(ctx, cred)
	}
	if err != nil {
		return access.Principal{}, nil, err
	}
	if len(p.Purposes) == 0 {
		return access.Principal{}, nil, forbidden(fmt.Sprintf("role %s is granted no purpose", p.Role), apperr.ErrForbidden)
	}
	switch strings.TrimSpace(purpose) {
	case "":
		if len(p.Purposes) > 1 {
			return access.Principal{}, nil, &Error{Status: http.StatusBadRequest, Code: "BAD_USER_INPUT",
				Message: fmt.Sprintf("declare the purpose of use in the %s header (one of: %s)", PurposeHeader, access.JoinNames(p.Purposes)),
				err:     apperr.Input(PurposeHeader, "is required")}
		}
		p.Purpose = p.Purposes[0]
	default:
		pu, perr := access.ParsePurpose(purpose)
		if perr != nil {
			return access.Principal{}, nil, &Error{Status: http.StatusBadRequest, Code: "BAD_USER_INPUT",
				Message: fmt.Sprintf("%s: %v", PurposeHeader, perr), err: apperr.Input(PurposeHeader, perr.Error())}
		}
		if p, err = p.WithPurpose(pu); err != nil {
			return access.Principal{}, nil, forbidden(err.Error(), err)
		}
	}
	plan, err := a.authz.Plan(p)
	if err != nil {
		if errors.Is(err, apperr.ErrForbidden) {
			return access.Principal{}, nil, forbidden(err.Error(), err)
		}
		return access.Principal{}, nil, &Error{Status: http.StatusInternalServerError, Code: "INTERNAL", Message: "could not plan access", err: err}
	}
	return p, plan, nil
}

// forbidden is a refusal of what the principal may do.
func forbidden(msg string, err error) *Error {
	return &Error{Status: http.StatusForbidden, Code: "FORBIDDEN", Message: msg, err: err}
}

// grantedPurposes intersects the purposes a credential names with those the policy
// grants its role (all of them when the credential names none).
func (a *Authenticator) grantedPurposes(role access.Role, named []string) ([]access.Purpose, error) {
	policy := a.authz.Policy().PurposesFor(role)
	if len(named) == 0 {
		return policy, nil
	}
	var out []access.Purpose
	for _, n := range named {
		pu, err := access.ParsePurpose(n)
		if err != nil {
			return nil, err
		}
		if slices.Contains(policy, pu) {
			out = append(out, pu)
		}
	}
	return out, nil
}

func (a *Authenticator) partner(ctx context.Context, token string) (access.Principal, error) {
	hash, err := HashPartnerToken(token)
	if err != nil {
		return access.Principal{}, unauthenticated(err, "%v", err)
	}
	t, err := a.dir.AccessTokenByHash(ctx, hash)
	if errors.Is(err, apperr.ErrNotFound) {
		return access.Principal{}, unauthenticated(nil, "unknown token")
	} else if err != nil {
		return access.Principal{}, unavailable(err)
	}
	now := a.now()
	if t.RevokedAt != nil {
		return access.Principal{}, unauthenticated(nil, "token %s was revoked", t.ID)
	}
	if !now.Before(t.ExpiresAt) {
		return access.Principal{}, unauthenticated(nil, "token %s expired at %s", t.ID, t.ExpiresAt.UTC().Format(time.RFC3339))
	}
	role, err := access.ParseRole(t.Role)
	if err != nil {
		return access.Principal{}, unauthenticated(err, "token %s: %v", t.ID, err)
	}
	purposes, err := a.grantedPurposes(role, t.Purposes)
	if err != nil {
		return access.Principal{}, unauthenticated(err, "token %s: %v", t.ID, err)
	}
	// Recording the use must not turn a valid token away.
	_ = a.dir.TouchAccessToken(ctx, t.ID, now)
	return access.Principal{
		Subject: "token:" + t.ID, Method: access.MethodToken, TokenID: t.ID, Role: role,
		OrganisationID: t.OrganisationID, OrganisationCode: t.OrganisationCode, OrganisationKind: t.OrganisationKind,
		Territory: t.Territory, StaffID: t.StaffID, Purposes: purposes,
	}, nil
}

func (a *Authenticator) staffJWT(ctx context.Context, token string) (access.Principal, error) {
	if a.verifier == nil {
		return access.Principal{}, unauthenticated(nil, "staff tokens are not accepted: no identity provider is configured")
	}
	claims, err := a.verifier.Verify(ctx, token)
	if err != nil {
		return access.Principal{}, unauthenticated(err, "%v", err)
	}
	role, err := access.ParseRole(claims.Role)
	if err != nil {
		return access.Principal{}, unauthenticated(err, "%v", err)
	}
	staff, staffFound, err := a.lookupStaff(ctx, claims.Subject)
	if err != nil {
		return access.Principal{}, unavailable(err)
	}
	var org accessdata.OrganisationRef
	switch {
	case claims.Organisation != "":
		o, found, err := a.lookupOrg(ctx, "code:"+claims.Organisation, func() (accessdata.OrganisationRef, error) {
			return a.dir.OrganisationByCode(ctx, claims.Organisation)
		})
		if err != nil {
			return access.Principal{}, unavailable(err)
		}
		if !found {
			return access.Principal{}, unauthenticated(nil, "unknown organisation %q (ponte_org)", claims.Organisation)
		}
		org = o
	case staffFound:
		o, found, err := a.lookupOrg(ctx, "id:"+staff.OrganisationID, func() (accessdata.OrganisationRef, error) {
			return a.dir.OrganisationByID(ctx, staff.OrganisationID)
		})
		if err != nil {
			return access.Principal{}, unavailable(err)
		}
		if !found {
			return access.Principal{}, unauthenticated(nil, "the staff record's organisation does not exist")
		}
		org = o
	default:
		return access.Principal{}, unauthenticated(nil, "the token names no organisation (ponte_org) and %q is not a staff member", claims.Subject)
	}
	var staffID string
	if staffFound {
		if staff.OrganisationID != org.ID {
			return access.Principal{}, unauthenticated(nil, "the staff record of %q belongs to another organisation than %s", claims.Subject, org.Code)
		}
		staffID = staff.ID
	}
	purposes, err := a.grantedPurposes(role, claims.Purposes)
	if err != nil {
		return access.Principal{}, unauthenticated(err, "ponte_purposes: %v", err)
	}
	return access.Principal{
		Subject: claims.Subject, Method: access.MethodJWT, Role: role,
		OrganisationID: org.ID, OrganisationCode: org.Code, OrganisationKind: org.Kind, Territory: org.Territory,
		StaffID: staffID, Purposes: purposes,
	}, nil
}

func unavailable(err error) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Code: "UNAVAILABLE", Message: "authentication is unavailable", err: err}
}

func (a *Authenticator) lookupOrg(ctx context.Context, key string, load func() (accessdata.OrganisationRef, error)) (accessdata.OrganisationRef, bool, error) {
	return lookupCached(a, &a.orgs, key, load)
}

func (a *Authenticator) lookupStaff(ctx context.Context, subject string) (accessdata.StaffRef, bool, error) {
	return lookupCached(a, &a.staff, subject, func() (accessdata.StaffRef, error) { return a.dir.StaffBySubject(ctx, subject) })
}

// maxCached bounds each lookup cache: past it the cache starts again, so subjects made
// up by callers cannot grow it without end.
const maxCached = 10000

// lookupCached answers key from the cache *m while its entry is fresh, else loads it: a
// NotFound is cached as not found, any other error is returned and not cached.
func lookupCached[T any](a *Authenticator, m *map[string]cached[T], key string, load func() (T, error)) (T, bool, error) {
	now := a.now()
	a.mu.Lock()
	c, ok := (*m)[key]
	a.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.v, c.found, nil
	}
	v, err := load()
	found := err == nil
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		var zero T
		return zero, false, err
	}
	a.mu.Lock()
	if len(*m) >= maxCached {
		*m = map[string]cached[T]{}
	}
	(*m)[key] = cached[T]{v: v, found: found, expires: now.Add(a.ttl)}
	a.mu.Unlock()
	return v, found, nil
}

// Middleware authenticates every request: the principal and its access plan go into
// the request's context (access.PrincipalFrom, access.PlanFrom); a refused request is
// answered with a GraphQL-style JSON error and never reaches next.
func Middleware(a *Authenticator) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, plan, err := a.Authenticate(r.Context(), r.Header.Get("Authorization"), r.Header.Get(PurposeHeader))
			if err != nil {
				WriteError(w, err)
				return
			}
			ctx := access.WithPlan(access.WithPrincipal(r.Context(), p), plan)
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// WriteError answers with err as a GraphQL error response ({"errors": [...]}, no data).
func WriteError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: http.StatusInternalServerError, Code: "INTERNAL", Message: "internal error"}
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ponte"`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": e.Message, "extensions": map[string]any{"code": e.Code}}},
	})
}
