file(REMOVE_RECURSE
  "libdeliberd_core.a"
)
