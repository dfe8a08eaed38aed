library(testthat)
library(bitboxstats)

test_check("bitboxstats")
