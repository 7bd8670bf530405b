file(REMOVE_RECURSE
  "libdeliberd_store.a"
)
