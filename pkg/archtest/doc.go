// Package archtest holds the tests that keep the suite's layering true: inside a service, api → app →
// domain, store and clients → app/domain, and no service imports another.
package archtest
