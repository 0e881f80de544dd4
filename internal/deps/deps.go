// Package deps pins the chosen dependencies in go.mod until the packages
// that use them have landed. It is removed once they have.
package deps

import (
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/hashicorp/go-retryablehttp"
	_ "github.com/nyaruka/phonenumbers"
	_ "github.com/samply/golang-fhir-models/fhir-models/fhir"
	_ "go.yaml.in/yaml/v3"
	_ "golang.org/x/time/rate"
)
