# Connection to the Python package 'bitbox_stats' through reticulate.
#
# Which Python: RETICULATE_PYTHON (or use_bitbox_python(), which sets it) first;
# else the virtual environment install_bitbox_stats() made ("r-bitboxstats"), if it
# exists (offered to reticulate in .onLoad); else whatever reticulate picks.

.bbs <- new.env(parent = emptyenv())
.default_envname <- "r-bitboxstats"

.onLoad <- function(libname, pkgname) {
  # Nothing is imported until the first call, so the package loads without Python.
  .bbs$bridge <- reticulate::import("bitbox_stats._r", delay_load = TRUE)
  .bbs$ready <- FALSE
  .bbs$env <- .env_path(.default_envname)
  .bbs$env_offered <- FALSE
  .bbs$python_started_before <- reticulate::py_available(initialize = FALSE)
  if (!.bbs$python_started_before && !nzchar(Sys.getenv("RETICULATE_PYTHON")) && .is_venv(.bbs$env)) {
    reticulate::use_virtualenv(.bbs$env, required = FALSE)
    .bbs$env_offered <- TRUE
  }
}

# Where install_bitbox_stats() puts an environment called `envname`: a name is looked
# up under RETICULATE_VIRTUALENV_ROOT, else WORKON_HOME, else ~/.virtualenvs (as
# reticulate does); a name with a slash is a path.
.env_root <- function() {
  root <- Sys.getenv("RETICULATE_VIRTUALENV_ROOT", unset = "")
  if (!nzchar(root)) root <- Sys.getenv("WORKON_HOME", unset = "")
  if (!nzchar(root)) root <- "~/.virtualenvs"
  path.expand(root)
}

.env_path <- function(envname) {
  if (grepl("[/\\\\]", envname)) return(normalizePath(path.expand(envname), mustWork = FALSE))
  file.path(.env_root(), envname)
}

.venv_python <- function(path) {
  file.path(path, if (.Platform$OS.type == "windows") "Scripts/python.exe" else "bin/python")
}

.is_venv <- function(path) file.exists(file.path(path, "pyvenv.cfg")) && file.exists(.venv_python(path))


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

# The first line(s) of a reticulate error, without its pointer to py_last_error().
.short_error <- function(msg) {
  msg <- sub("^Error in py_[a-z_]+\\(.*?\\) *: *\n?", "", msg)
  msg <- sub("\n*Run `reticulate::py_last_error\\(\\)` for details\\.?.*$", "", msg)
  trimws(msg)
}

.python_in_use <- function() {
  cfg <- tryCatch(reticulate::py_config(), error = function(e) NULL)
  if (is.null(cfg) || !isTRUE(reticulate::py_available(initialize = FALSE))) return(NULL)
  list(python = cfg$python, version = as.character(cfg$version))
}

# The message when bitbox_stats cannot be imported: what was tried, in order, and what
# to do about it. Only commands that work are suggested.
.setup_message <- function(detail) {
  used <- .python_in_use()
  used_text <- if (is.null(used)) "no Python could be started" else
    sprintf("R is using the Python at '%s' (%s)", used$python, used$version)
  rp <- Sys.getenv("RETICULATE_PYTHON")
  env <- .bbs$env
  env_state <- if (.is_venv(env)) "exists" else "does not exist"
  if (isTRUE(.bbs$python_started_before)) {
    tried <- c(sprintf("Python was already started (by another package or a reticulate call) before bitboxstats was loaded; %s.",
                       used_text))
    fix <- c("Restart R and load bitboxstats before anything else that uses Python.",
             if (env_state == "does not exist")
               "If you have not done so, run bitboxstats::install_bitbox_stats() once, then restart R.")
  } else if (nzchar(rp)) {
    tried <- c(sprintf("1. RETICULATE_PYTHON / use_bitbox_python(): '%s'; it cannot import bitbox_stats.", rp),
               sprintf("2. the environment '%s' made by install_bitbox_stats() (%s): not tried, RETICULATE_PYTHON comes first.",
                       env, env_state),
               "3. reticulate's own choice: not tried, RETICULATE_PYTHON comes first.")
    fix <- c("Either point RETICULATE_PYTHON (or use_bitbox_python()) at a Python that has bitbox_stats,",
             "or unset RETICULATE_PYTHON (also in ~/.Renviron), run bitboxstats::install_bitbox_stats() once,",
             "and restart R.")
  } else {
    env_line <- if (env_state == "exists") {
      if (!is.null(used) && identical(normalizePath(used$python, mustWork = FALSE),
                                      normalizePath(.venv_python(env), mustWork = FALSE))) {
        sprintf("2. the environment '%s' made by install_bitbox_stats(): exists, and it cannot import bitbox_stats.", env)
      } else {
        sprintf("2. the environment '%s' made by install_bitbox_stats(): exists, but it was not used.", env)
      }
    } else {
      sprintf("2. the environment '%s' made by install_bitbox_stats(): does not exist.", env)
    }
    tried <- c("1. RETICULATE_PYTHON / use_bitbox_python(): not set.", env_line,
               if (is.null(used)) "3. reticulate's own choice: no Python could be started." else
                 sprintf("3. reticulate's own choice, the Python at '%s' (%s): it cannot import bitbox_stats.",
                         used$python, used$version))
    fix <- c("Run bitboxstats::install_bitbox_stats() once (it needs a Python >= 3.11 and access to PyPI),",
             "then restart R; library(bitboxstats) then finds the environment by itself.")
  }
  paste(c("bitboxstats cannot use the Python package bitbox_stats (needs Python >= 3.11).",
          sprintf("  Problem: %s", detail),
          "  Tried, in this order:", paste0("    ", tried),
          paste0("  ", fix)), collapse = "\n")
}

# Stop unless the R package and the Python package have the same version.
.check_version <- function(python_version) {
  r_version <- unname(getNamespaceVersion("bitboxstats"))
  python_version <- as.character(python_version)
  if (length(python_version) != 1L) python_version <- "of unknown version"
  if (identical(python_version, r_version)) return(invisible(TRUE))
  used <- .python_in_use()
  where <- if (is.null(used)) "the Python in use" else sprintf("the Python at '%s'", used$python)
  env <- .bbs$env
  in_default_env <- !is.null(used) && startsWith(normalizePath(used$python, mustWork = FALSE),
                                                normalizePath(env, mustWork = FALSE))
  how <- if (in_default_env || !nzchar(Sys.getenv("RETICULATE_PYTHON"))) {
    "Run bitboxstats::install_bitbox_stats() again (it installs the Python package that ships with this R package), then restart R."
  } else {
    home <- dirname(dirname(used$python))
    if (.is_venv(home)) {
      sprintf("Run bitboxstats::install_bitbox_stats(envname = \"%s\") again to update that environment, then restart R.", home)
    } else {
      "Run bitboxstats::install_bitbox_stats() again, unset RETICULATE_PYTHON, and restart R."
    }
  }
  stop(sprintf(paste0("bitboxstats %s (R) needs the Python package bitbox-stats %s, but %s has bitbox-stats %s.\n",
                      "  %s"), r_version, r_version, where, python_version, how), call. = FALSE)
}

.bridge <- function() {
  if (isTRUE(.bbs$ready)) return(.bbs$bridge)
  module <- tryCatch(reticulate::import("bitbox_stats"),
                     error = function(e) structure(.short_error(conditionMessage(e)), class = "bbs_failed"))
  if (inherits(module, "bbs_failed")) stop(.setup_message(unclass(module)), call. = FALSE)
  .check_version(module$`__version__`)
  .bbs$ready <- TRUE
  .bbs$bridge
}

# R conditions from the Python envelope {value, error, warnings} (bitbox_stats/_r.py).
.python_condition <- function(message, type, kind) {
  structure(list(message = message, call = NULL, python_type = type),
            class = c(paste0("bitboxstats_", type), paste0("bitboxstats_", kind), kind, "condition"))
}

.unwrap <- function(out) {
  for (w in out$warnings) {
    warning(.python_condition(w$message, w$category, "warning"))
  }
  if (!is.null(out$error)) {
    types <- as.character(unlist(out$error$type))
    stop(.python_condition(out$error$message, types[[1]], "error"))
  }
  out$value
}

.drop_null <- function(args) args[!vapply(args, is.null, TRUE)]

# NA where a value is wanted is an R error naming the argument (reticulate would turn
# NA into True, -2147483648 or 'NA'). Data frames carry their missing cells on.
.check_na <- function(x, name) {
  if (is.data.frame(x) || !is.null(dim(x)) || inherits(x, "python.builtin.object")) return(invisible())
  if (is.list(x)) {
    for (v in x) {
      if (is.atomic(v) && is.null(dim(v)) && anyNA(v)) stop(sprintf("%s must not contain NA", name), call. = FALSE)
      .check_na(v, name)
    }
    return(invisible())
  }
  if (is.atomic(x) && anyNA(x)) {
    stop(if (length(x) == 1L) sprintf("%s must not be NA", name) else sprintf("%s must not contain NA", name),
         call. = FALSE)
  }
  invisible()
}

# One call into the Python bridge (bitbox_stats._r), with R's arguments checked and
# encoded, Python warnings raised as R warnings and Python errors as R errors.
.bridge_call <- function(fun, ..., args = list()) {
  args <- .drop_null(args)
  for (name in names(args)) .check_na(args[[name]], name)
  bridge <- .bridge()
  args <- lapply(args, .encode)
  out <- tryCatch(bridge[[fun]](..., args),
                  error = function(e) stop(.short_error(conditionMessage(e)), call. = FALSE))
  .unwrap(out)
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
