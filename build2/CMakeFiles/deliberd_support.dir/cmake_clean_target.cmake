file(REMOVE_RECURSE
  "libdeliberd_support.a"
)
