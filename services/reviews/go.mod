module github.com/commonweal/commonweal/services/reviews

go 1.26.0

require (
	github.com/commonweal/commonweal/gen/go v0.0.0
	github.com/commonweal/commonweal/pkg v0.0.0
)

replace (
	github.com/commonweal/commonweal/gen/go => ../../gen/go
	github.com/commonweal/commonweal/pkg => ../../pkg
)
