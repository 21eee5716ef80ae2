package strata.baseline_test

import rego.v1
