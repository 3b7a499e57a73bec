package db

// NullText stores "" as NULL (e.g. who approved something not yet approved).
func NullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// TextOf reads NULL as "".
func TextOf(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
