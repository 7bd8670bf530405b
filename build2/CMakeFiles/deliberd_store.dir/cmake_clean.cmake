file(REMOVE_RECURSE
  "CMakeFiles/deliberd_store.dir/daemon/store/db.c.o"
  "CMakeFiles/deliberd_store.dir/daemon/store/db.c.o.d"
  "CMakeFiles/deliberd_store.dir/daemon/store/migrate.c.o"
  "CMakeFiles/deliberd_store.dir/daemon/store/migrate.c.o.d"
  "CMakeFiles/deliberd_store.dir/daemon/store/store_audit.c.o"
  "CMakeFiles/deliberd_store.dir/daemon/store/store_audit.c.o.d"
  "CMakeFiles/deliberd_store.dir/daemon/store/store_checks.c.o"
  "CMakeFiles/deliberd_store.dir/daemon/store/store_checks.c.o.d"
  "CMakeFiles/deliberd_store.dir/daemon/store/store_credentials.c.o"
  "CMakeFiles/deliberd_store.dir/daemon/store/store_credentials.c.o.d"
  "CMakeFiles/deliberd_store.dir/daemon/store/store_holds.c.o"
  "CMakeFiles/deliberd_store.dir/daemon/store/store_holds.c.o.d"
  "CMakeFiles/deliberd_store.dir/daemon/store/store_privileges.c.o"
  "CMakeFiles/deliberd_store.dir/daemon/store/store_privileges.c.o.d"
  "CMakeFiles/deliberd_store.dir/daemon/store/store_registry.c.o"
  "CMakeFiles/deliberd_store.dir/daemon/store/store_registry.c.o.d"
  "CMakeFiles/deliberd_store.dir/daemon/store/store_retention.c.o"
  "CMakeFiles/deliberd_store.dir/daemon/store/store_retention.c.o.d"
  "CMakeFiles/deliberd_store.dir/daemon/store/store_sessions.c.o"
  "CMakeFiles/deliberd_store.dir/daemon/store/store_sessions.c.o.d"
  "libdeliberd_store.a"
  "libdeliberd_store.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/deliberd_store.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
