package access

// PolicyFilesForTest returns the embedded model, for tests that write policies of their own.
func PolicyFilesForTest() ([]byte, error) { return policyFiles.ReadFile("policy/model.conf") }

// PlanBuilds counts how many times the authorizer asked Casbin.
func (a *Authorizer) PlanBuilds() int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.builds
}
