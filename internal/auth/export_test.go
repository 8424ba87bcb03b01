package auth

import "time"

// NewAuthenticatorAt returns a copy of a whose clock stands at t.
func NewAuthenticatorAt(a *Authenticator, t time.Time) *Authenticator {
	b := NewAuthenticator(a.verifier, a.dir, a.authz)
	b.now = func() time.Time { return t }
	return b
}
