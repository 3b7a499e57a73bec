package app

import "github.com/commonweal/commonweal/pkg/telemetry"

// depositsConfirmed counts the cash deposits confirmed, once their transaction has committed (a retry of a
// confirmation counts once).
var depositsConfirmed = telemetry.Counter("commonweal.deposits.confirmed", "{deposit}", "cash deposits confirmed, counted after their commit")
