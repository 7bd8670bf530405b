
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/wt/hard/daemon/store/db.c" "CMakeFiles/deliberd_store.dir/daemon/store/db.c.o" "gcc" "CMakeFiles/deliberd_store.dir/daemon/store/db.c.o.d"
  "/work/wt/hard/daemon/store/migrate.c" "CMakeFiles/deliberd_store.dir/daemon/store/migrate.c.o" "gcc" "CMakeFiles/deliberd_store.dir/daemon/store/migrate.c.o.d"
  "/work/wt/hard/daemon/store/store_audit.c" "CMakeFiles/deliberd_store.dir/daemon/store/store_audit.c.o" "gcc" "CMakeFiles/deliberd_store.dir/daemon/store/store_audit.c.o.d"
  "/work/wt/hard/daemon/store/store_checks.c" "CMakeFiles/deliberd_store.dir/daemon/store/store_checks.c.o" "gcc" "CMakeFiles/deliberd_store.dir/daemon/store/store_checks.c.o.d"
  "/work/wt/hard/daemon/store/store_credentials.c" "CMakeFiles/deliberd_store.dir/daemon/store/store_credentials.c.o" "gcc" "CMakeFiles/deliberd_store.dir/daemon/store/store_credentials.c.o.d"
  "/work/wt/hard/daemon/store/store_holds.c" "CMakeFiles/deliberd_store.dir/daemon/store/store_holds.c.o" "gcc" "CMakeFiles/deliberd_store.dir/daemon/store/store_holds.c.o.d"
  "/work/wt/hard/daemon/store/store_privileges.c" "CMakeFiles/deliberd_store.dir/daemon/store/store_privileges.c.o" "gcc" "CMakeFiles/deliberd_store.dir/daemon/store/store_privileges.c.o.d"
  "/work/wt/hard/daemon/store/store_registry.c" "CMakeFiles/deliberd_store.dir/daemon/store/store_registry.c.o" "gcc" "CMakeFiles/deliberd_store.dir/daemon/store/store_registry.c.o.d"
  "/work/wt/hard/daemon/store/store_retention.c" "CMakeFiles/deliberd_store.dir/daemon/store/store_retention.c.o" "gcc" "CMakeFiles/deliberd_store.dir/daemon/store/store_retention.c.o.d"
  "/work/wt/hard/daemon/store/store_sessions.c" "CMakeFiles/deliberd_store.dir/daemon/store/store_sessions.c.o" "gcc" "CMakeFiles/deliberd_store.dir/daemon/store/store_sessions.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/wt/hard/build2/CMakeFiles/deliberd_core.dir/DependInfo.cmake"
  "/work/wt/hard/build2/CMakeFiles/deliberd_support.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
