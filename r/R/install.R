# install_bitbox_stats(): a virtual environment with the Python package that ships
# inside this R package (inst/python/bitbox-stats, copied from the repository by the
# build), its dependencies from PyPI, and the extras asked for.

.python_extras <- c("dask")

.last <- function(x, n) x[seq.int(max(1L, length(x) - n + 1L), length.out = min(n, length(x)))]

# The Python sources this R package carries.
.python_source <- function() {
  src <- system.file("python", "bitbox-stats", package = "bitboxstats")
  if (!nzchar(src) || !file.exists(file.path(src, "pyproject.toml"))) {
    stop(paste0("this installation of bitboxstats carries no Python sources (inst/python); it was ",
                "installed from a source folder that the build did not prepare. Install it from the ",
                "tarball (R CMD INSTALL bitboxstats_", unname(getNamespaceVersion("bitboxstats")),
                ".tar.gz, made by `make r-build` in the bitbox-stats repository) or with `make r-install`"),
         call. = FALSE)
  }
  src
}

# What a Python is: its real executable, version, and whether it can make a virtual
# environment that reticulate can load. A list with `ok` and `why`.
.python_info <- function(python) {
  code <- paste(
    "import sys, os, sysconfig, glob",
    "print(sys.executable)",
    "print('%d.%d.%d' % sys.version_info[:3])",
    "try:\n    import venv, ensurepip\n    print('venv')\nexcept ImportError:\n    print('no-venv')",
    "libdir = sysconfig.get_config_var('LIBDIR') or ''",
    "lib = sysconfig.get_config_var('LDLIBRARY') or ''",
    "shared = bool(sysconfig.get_config_var('Py_ENABLE_SHARED')) or os.path.exists(os.path.join(libdir, lib)) or bool(glob.glob(os.path.join(sys.base_prefix, 'lib', 'libpython3*')))",
    "print('shared' if shared or os.name == 'nt' else 'static')",
    "try:\n    import ssl\n    print('ssl')\nexcept ImportError as e:\n    print('no-ssl: %s' % e)",
    sep = "\n")
  out <- suppressWarnings(tryCatch(
    system2(python, c("-c", shQuote(code)), stdout = TRUE, stderr = TRUE, timeout = 120),
    error = function(e) structure(conditionMessage(e), status = 127L)))
  status <- attr(out, "status")
  if (!is.null(status) && status != 0L || length(out) < 5L) {
    return(list(ok = FALSE, python = python, why = "does not run as Python"))
  }
  out <- .last(out, 5L)
  info <- list(python = out[[1]], version = out[[2]], ok = FALSE, why = NULL)
  if (numeric_version(info$version) < "3.11") {
    info$why <- sprintf("is Python %s; bitbox-stats needs 3.11 or newer", info$version)
  } else if (out[[3]] != "venv") {
    info$why <- sprintf("Python %s has no venv/ensurepip module (on Debian and Ubuntu: apt-get install python3-venv)",
                        info$version)
  } else if (out[[4]] != "shared") {
    info$why <- sprintf("Python %s was built without a shared libpython, which reticulate needs", info$version)
  } else if (out[[5]] != "ssl") {
    # e.g. a pyenv Python that, run from R (whose LD_LIBRARY_PATH holds the system's
    # libraries), loads the system's libpython of the same version
    info$why <- sprintf("Python %s cannot load its ssl module when run from R, so pip cannot reach PyPI (%s)",
                        info$version, sub("^no-ssl: ", "", out[[5]]))
  } else {
    info$ok <- TRUE
  }
  info
}

.python_candidates <- function() {
  found <- Sys.which(c("python3", "python3.13", "python3.12", "python3.11", "python"))
  pyenv <- Sys.getenv("PYENV_ROOT", unset = "~/.pyenv")
  pyenv <- Sys.glob(file.path(path.expand(pyenv), "versions", "*", "bin", "python3"))
  v <- numeric_version(basename(dirname(dirname(pyenv))), strict = FALSE)
  pyenv <- pyenv[!is.na(v)][order(v[!is.na(v)], decreasing = TRUE)]  # newest first
  cands <- c(unname(found), "/usr/bin/python3", "/usr/local/bin/python3", pyenv)
  unique(cands[nzchar(cands) & file.exists(cands)])
}

# A Python >= 3.11 to make the environment with: the one given, or the first suitable
# one on the system.
.find_python <- function(python = NULL) {
  if (!is.null(python)) {
    if (!file.exists(python)) stop(sprintf("python: no such file '%s'", python), call. = FALSE)
    info <- .python_info(python)
    if (!info$ok) stop(sprintf("python: '%s' %s", python, info$why), call. = FALSE)
    return(info)
  }
  tried <- character()
  for (cand in .python_candidates()) {
    info <- .python_info(cand)
    if (info$ok) return(info)
    tried <- c(tried, sprintf("  %s: %s", cand, info$why))
  }
  stop(paste(c("no Python >= 3.11 that can make a virtual environment was found.",
               if (length(tried)) c("Tried:", tried) else "No python3 on the PATH.",
               "Install Python 3.11 or newer (with its venv module), or give its path:",
               "  install_bitbox_stats(python = \"/path/to/python3\")"), collapse = "\n"), call. = FALSE)
}

# The version of bitbox_stats a Python imports, or an error message.
.installed_version <- function(python) {
  out <- suppressWarnings(system2(python, c("-c", shQuote("import bitbox_stats; print(bitbox_stats.__version__)")),
                                  stdout = TRUE, stderr = TRUE, timeout = 300))
  status <- attr(out, "status")
  if (!is.null(status) && status != 0L) {
    return(structure(NA_character_, why = paste(.last(out, 3L), collapse = "\n")))
  }
  .last(out, 1L)
}


install_bitbox_stats <- function(envname = "r-bitboxstats", ..., python = NULL, extras = c()) {
  if (!is.character(envname) || length(envname) != 1L || is.na(envname) || !nzchar(envname)) {
    stop("envname must be the name or the path of a virtual environment (one string)", call. = FALSE)
  }
  if (!is.null(python) && (!is.character(python) || length(python) != 1L || is.na(python))) {
    stop("python must be NULL or the path of a Python executable (one string)", call. = FALSE)
  }
  extras <- if (is.null(extras)) character() else extras
  if (!is.character(extras) || anyNA(extras)) stop("extras must be a character vector, e.g. \"dask\"", call. = FALSE)
  unknown <- setdiff(extras, .python_extras)
  if (length(unknown)) {
    stop(sprintf("extras: unknown extra '%s'; available: %s", unknown[[1]], paste(.python_extras, collapse = ", ")),
         call. = FALSE)
  }
  source <- .python_source()
  wanted <- unname(getNamespaceVersion("bitboxstats"))
  path <- .env_path(envname)
  started <- Sys.time()

  if (.is_venv(path)) {
    info <- .python_info(.venv_python(path))
    if (!info$ok) {
      stop(sprintf(paste0("the virtual environment '%s' exists but its Python %s; it is left as it is: ",
                          "remove it yourself, or choose another envname"), path, info$why), call. = FALSE)
    }
    if (!is.null(python)) {
      message(sprintf("The environment '%s' exists (Python %s); `python` is used only to create a new one.",
                      path, info$version))
    }
    created <- FALSE
  } else if (file.exists(path)) {
    stop(sprintf(paste0("'%s' exists but is not a virtual environment; it is left as it is: ",
                        "remove it yourself, or choose another envname"), path), call. = FALSE)
  } else {
    base <- .find_python(python)
    message(sprintf("Creating the virtual environment '%s' with Python %s (%s)", path, base$version, base$python))
    dir.create(dirname(path), recursive = TRUE, showWarnings = FALSE)
    reticulate::virtualenv_create(path, python = base$python, packages = FALSE)
    created <- TRUE
  }

  # pip builds in the folder it installs from, so it gets a copy, not the R library.
  work <- tempfile("bitbox-stats-")
  dir.create(work)
  on.exit(unlink(work, recursive = TRUE), add = TRUE)
  file.copy(source, work, recursive = TRUE)
  target <- file.path(work, basename(source))
  spec <- if (length(extras)) sprintf("%s[%s]", target, paste(unique(extras), collapse = ",")) else target
  message(sprintf("Installing bitbox-stats %s%s and its dependencies (from PyPI) into '%s'", wanted,
                  if (length(extras)) sprintf(" with the extras %s", paste(unique(extras), collapse = ", ")) else "",
                  path))
  reticulate::virtualenv_install(path, spec, ...)

  env_python <- .venv_python(path)
  got <- .installed_version(env_python)
  if (is.na(got)) {
    stop(sprintf("bitbox_stats was installed into '%s' but cannot be imported there:\n%s", path, attr(got, "why")),
         call. = FALSE)
  }
  if (!identical(got, wanted)) {
    stop(sprintf("'%s' has bitbox-stats %s after the installation, not %s", path, got, wanted), call. = FALSE)
  }
  seconds <- as.numeric(difftime(Sys.time(), started, units = "secs"))
  env_version <- .python_info(env_python)$version

  # This session can use it right away unless Python was started or chosen already.
  now <- if (reticulate::py_available(initialize = FALSE)) {
    in_use <- normalizePath(reticulate::py_config()$python, mustWork = FALSE)
    if (identical(in_use, normalizePath(env_python, mustWork = FALSE))) {
      "This R session already uses it."
    } else {
      sprintf("This R session already uses the Python at '%s': restart R to use the new environment.", in_use)
    }
  } else if (nzchar(Sys.getenv("RETICULATE_PYTHON")) &&
             !identical(normalizePath(Sys.getenv("RETICULATE_PYTHON"), mustWork = FALSE),
                        normalizePath(env_python, mustWork = FALSE))) {
    sprintf("RETICULATE_PYTHON is set ('%s') and comes first: unset it to use this environment.",
            Sys.getenv("RETICULATE_PYTHON"))
  } else {
    reticulate::use_virtualenv(path, required = TRUE)
    .bbs$env <- path
    "This R session will use it from the next bitboxstats call."
  }
  found_later <- if (identical(path, .env_path(.default_envname))) {
    "library(bitboxstats) finds it by itself in new R sessions."
  } else {
    sprintf("In new R sessions, call use_bitbox_python(\"%s\") first.", env_python)
  }
  message(paste(c(
    sprintf("bitbox-stats %s is installed in the virtual environment '%s' (%s, %.0f s).", wanted, path,
            if (created) "created now" else "existed; updated", seconds),
    sprintf("  Python %s: %s", env_version, env_python),
    sprintf("  extras asked for: %s", if (length(extras)) paste(unique(extras), collapse = ", ") else "none"),
    paste0("  ", now), paste0("  ", found_later)), collapse = "\n"))
  invisible(path)
}
