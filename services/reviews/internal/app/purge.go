package app

import (
	"context"
	"log/slog"
	"time"
)

// VoterPurgeRepository deletes voter codes and tokens that have no reason to stay, in batches of at most
// limit rows, each batch its own statement.
type VoterPurgeRepository interface {
	// DeleteExpiredCodes deletes codes that expired before expiredBefore and were created before
	// createdBefore.
	DeleteExpiredCodes(ctx context.Context, expiredBefore, createdBefore time.Time, limit int) (int, error)
	// DeleteExpiredTokens deletes tokens that expired before an instant.
	DeleteExpiredTokens(ctx context.Context, before time.Time, limit int) (int, error)
}

// PurgeBatch is the most rows one purge statement deletes, so a purge never holds many row locks or a long
// transaction while voters verify and vote.
const PurgeBatch = 500

// Purged counts what one purge deleted.
type Purged struct {
	Codes, Tokens int
}

// PurgeVoterCredentials deletes expired voter tokens and the voter codes that can no longer be used or
// counted: a code stays until it has expired and left the CodeWindow, because the phone's limit counts the
// codes sent within it (unsent and used ones included). It deletes in batches of PurgeBatch until none is
// left; no batch waits for another service.
func (s *Service) PurgeVoterCredentials(ctx context.Context) (Purged, error) {
	var p Purged
	now := s.now()
	for {
		n, err := s.purge.DeleteExpiredCodes(ctx, now, now.Add(-CodeWindow), PurgeBatch)
		p.Codes += n
		if err != nil {
			return p, err
		}
		if n < PurgeBatch {
			break
		}
	}
	for {
		n, err := s.purge.DeleteExpiredTokens(ctx, now, PurgeBatch)
		p.Tokens += n
		if err != nil {
			return p, err
		}
		if n < PurgeBatch {
			break
		}
	}
	return p, nil
}

// PurgeVoterCredentialsEvery returns a background task that purges at once and then every interval until its
// context ends; a failed purge is logged and tried again at the next tick.
func (s *Service) PurgeVoterCredentialsEvery(interval time.Duration) func(ctx context.Context) {
	return func(ctx context.Context) {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			p, err := s.PurgeVoterCredentials(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				slog.WarnContext(ctx, "purging expired voter codes and tokens", "error", err.Error(), "codes", p.Codes, "tokens", p.Tokens)
			case p.Codes+p.Tokens > 0:
				slog.InfoContext(ctx, "purged expired voter codes and tokens", "codes", p.Codes, "tokens", p.Tokens)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}
}
