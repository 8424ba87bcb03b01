package access

// PolicyFilesForTest returns the embedded model, for tests that write policies of their own.
func PolicyFilesForTest() ([]byte, error) { return policyFiles.ReadFile("policy/model.conf") }

// PlanBuilds counts how many times the authorizer asked Casbin.
func (a *Authorizer) PlanBuilds() int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.builds
}

// PolicyTextsForTest returns the embedded policy and legal bases.
func PolicyTextsForTest() (policy, bases []byte, err error) {
	if policy, err = policyFiles.ReadFile("policy/policy.csv"); err != nil {
		return nil, nil, err
	}
	bases, err = policyFiles.ReadFile("policy/" + LegalBasesFile)
	return policy, bases, err
}
