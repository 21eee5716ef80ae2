package strata.hipaa_test

import rego.v1
