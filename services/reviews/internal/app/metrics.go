package app

import "github.com/commonweal/commonweal/pkg/telemetry"

// votesCast counts the votes stored, once their transaction has committed (a replayed request counts once).
var votesCast = telemetry.Counter("commonweal.votes.cast", "{vote}", "votes stored, counted after their commit")
