package disclosure

// ForgetSuppressions empties the memo of SuppressLinked, so benchmarks time the work.
func ForgetSuppressions() {
	linkedMemo.mu.Lock()
	defer linkedMemo.mu.Unlock()
	linkedMemo.m, linkedMemo.order = map[[32]byte][]bool{}, nil
}
