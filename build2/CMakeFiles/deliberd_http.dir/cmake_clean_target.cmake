file(REMOVE_RECURSE
  "libdeliberd_http.a"
)
