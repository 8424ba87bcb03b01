package access

// PolicyFilesForTest returns the embedded model, for tests that write policies of their own.
func PolicyFilesForTest() ([]byte, error) { return policyFiles.ReadFile("policy/model.conf") }

// PlanBuilds counts how many times the authorizer asked Casbin.
func (a *Authorizer) PlanBuilds() int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.builds
}

// ForgetSuppressions empties the memo of SuppressLinked, so benchmarks time the work.
func ForgetSuppressions() {
	linkedMemo.mu.Lock()
	defer linkedMemo.mu.Unlock()
	linkedMemo.m, linkedMemo.order = map[[32]byte][]bool{}, nil
}

// PolicyTextsForTest returns the embedded policy and legal bases.
func PolicyTextsForTest() (policy, bases []byte, err error) {
	if policy, err = policyFiles.ReadFile("policy/policy.csv"); err != nil {
		return nil, nil, err
	}
	bases, err = policyFiles.ReadFile("policy/" + LegalBasesFile)
	return policy, bases, err
}
