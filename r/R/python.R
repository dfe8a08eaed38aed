# Connection to the Python package 'bitbox_stats' through reticulate.

.bbs <- new.env(parent = emptyenv())

.onLoad <- function(libname, pkgname) {
  # Nothing is imported until the first call, so the package loads without Python.
  .bbs$bridge <- reticulate::import("bitbox_stats._r", delay_load = TRUE)
}

.setup_message <- function(detail = NULL) {
  paste0(
    "bitboxstats needs Python (>= 3.11) with the 'bitbox-stats' package.\n",
    if (!is.null(detail)) paste0("  Problem: ", detail, "\n") else "",
    "  Point R at an environment that has it, before the first call, with\n",
    "    bitboxstats::use_bitbox_python(\"/path/to/.venv/bin/python\")\n",
    "  or by setting RETICULATE_PYTHON=/path/to/.venv/bin/python in the environment\n",
    "  (install the Python package there with: pip install bitbox-stats)."
  )
}


use_bitbox_python <- function(python) {
  if (!is.character(python) || length(python) != 1L || is.na(python)) {
    stop("python must be the path of a Python executable (one string)", call. = FALSE)
  }
  if (!file.exists(python)) {
    stop(sprintf("python: no such file '%s'", python), call. = FALSE)
  }
  if (reticulate::py_available(initialize = FALSE)) {
    current <- normalizePath(reticulate::py_config()$python, mustWork = FALSE)
    if (!identical(current, normalizePath(python, mustWork = FALSE))) {
      stop(sprintf(paste0("R is already using the Python at '%s'; restart R and call ",
                          "use_bitbox_python() before any other bitboxstats function"), current),
           call. = FALSE)
    }
  } else {
    Sys.setenv(RETICULATE_PYTHON = python)
    reticulate::use_python(python, required = TRUE)
  }
  invisible(bitbox_available())
}


bitbox_available <- function() {
  isTRUE(tryCatch(reticulate::py_module_available("bitbox_stats"), error = function(e) FALSE))
}

.bridge <- function() {
  ok <- tryCatch(reticulate::py_module_available("bitbox_stats"),
                 error = function(e) structure(FALSE, detail = conditionMessage(e)))
  if (!isTRUE(ok)) {
    detail <- attr(ok, "detail")
    if (is.null(detail)) {
      cfg <- tryCatch(reticulate::py_config()$python, error = function(e) NULL)
      detail <- if (is.null(cfg)) "no Python found" else
        sprintf("the Python at '%s' cannot import bitbox_stats", cfg)
    }
    stop(.setup_message(detail), call. = FALSE)
  }
  .bbs$bridge
}

.clean_error <- function(e) {
  msg <- conditionMessage(e)
  msg <- sub("^Error in py_call_impl\\(.*?\\) *: *\n?", "", msg)
  msg <- sub("\n*Run `reticulate::py_last_error\\(\\)` for details\\.?.*$", "", msg)
  lines <- strsplit(msg, "\n", fixed = TRUE)[[1]]
  # keep the Python exception line(s), not the traceback
  keep <- grep("^(ValueError|TypeError|KeyError|FileNotFoundError|RuntimeError|ImportError|.*Error): ",
               lines, value = TRUE)
  if (length(keep)) msg <- paste(keep, collapse = "\n")
  sub("^[A-Za-z.]*(Error|Exception): ", "", msg)
}

.drop_null <- function(args) args[!vapply(args, is.null, TRUE)]

# One call into the Python bridge (bitbox_stats._r), with R's arguments encoded and
# Python errors turned into R errors that carry the Python message.
.bridge_call <- function(fun, ..., args = list()) {
  bridge <- .bridge()
  args <- lapply(.drop_null(args), .encode)
  tryCatch(bridge[[fun]](..., args), error = function(e) stop(.clean_error(e), call. = FALSE))
}

# Call bitbox_stats.<name>(**args) and convert the result to R.
.call <- function(name, args = list()) {
  .decode(.bridge_call("call", name, args = args))
}

# The same, keeping the Python result for later method calls (attribute "python").
.call_keep <- function(name, args = list()) {
  out <- .bridge_call("call_keep", name, args = args)
  value <- .decode(out$value)
  attr(value, "python") <- out$object
  value
}

.call_method <- function(x, method, args = list()) {
  object <- attr(x, "python", exact = TRUE)
  if (is.null(object) || !inherits(object, "python.builtin.object") ||
      !tryCatch(reticulate::py_available() && !reticulate::py_is_null_xptr(object), error = function(e) FALSE)) {
    stop("this result no longer has its Python object (it was saved and reloaded, or made in another ",
         "session); compute it again", call. = FALSE)
  }
  .decode(.bridge_call("call_method", object, method, args = args))
}
