package app

// WithDepositBatchHook makes the deposit batcher's runner call hook with each batch's size before the batch's
// transaction begins (a test holds the runner there so that confirmations queue behind it).
func WithDepositBatchHook(hook func(n int)) Option {
	return func(s *Service) { s.depositBatchHook = hook }
}

// QueuedDeposits is how many confirmations wait in the deposit batcher's queue (not those of the batch being
// confirmed).
func (s *Service) QueuedDeposits() int {
	if s.depositBatch == nil {
		return 0
	}
	return s.depositBatch.queue.Len()
}
