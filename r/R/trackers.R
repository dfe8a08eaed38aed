# Reading the exports of several face trackers (OpenFace, FaceReader, FACET, py-feat, ARKit).

.face_id <- function(x) {
  if (is.null(x)) return(NULL)
  if (is.character(x) && length(x) == 1L && !is.na(x)) return(x)
  if (is.numeric(x) && length(x) == 1L && !is.na(x) && x == round(x)) return(as.integer(x))
  stop("face_id must be one whole number or one of \"most_frames\", \"all\", \"largest\"", call. = FALSE)
}


read_frames <- function(path, format = "auto", fps = NULL, face_id = NULL, confidence = NULL) {
  if (!is.character(format) || length(format) != 1L || is.na(format)) {
    stop("format must be one string", call. = FALSE)
  }
  out <- .call_keep("read_frames", list(path_or_buffer = .path(path, "path"), format = format, fps = fps,
                                        face_id = .face_id(face_id), confidence = confidence))
  info <- .call_method(out, "attrs")
  attr(out, "python") <- NULL
  attr(out, "format") <- info$format
  attr(out, "fps") <- info$fps
  attr(out, "reading") <- info
  out
}
