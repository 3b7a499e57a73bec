module github.com/commonweal/commonweal/services/applications

go 1.26.0

require (
	github.com/commonweal/commonweal/gen/go v0.0.0
	github.com/commonweal/commonweal/pkg v0.0.0
)

require github.com/google/uuid v1.6.0 // indirect

replace (
	github.com/commonweal/commonweal/gen/go => ../../gen/go
	github.com/commonweal/commonweal/pkg => ../../pkg
)
