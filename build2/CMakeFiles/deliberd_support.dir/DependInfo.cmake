
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/wt/hard/daemon/support/cfgnum.c" "CMakeFiles/deliberd_support.dir/daemon/support/cfgnum.c.o" "gcc" "CMakeFiles/deliberd_support.dir/daemon/support/cfgnum.c.o.d"
  "/work/wt/hard/daemon/support/clock.c" "CMakeFiles/deliberd_support.dir/daemon/support/clock.c.o" "gcc" "CMakeFiles/deliberd_support.dir/daemon/support/clock.c.o.d"
  "/work/wt/hard/daemon/support/config.c" "CMakeFiles/deliberd_support.dir/daemon/support/config.c.o" "gcc" "CMakeFiles/deliberd_support.dir/daemon/support/config.c.o.d"
  "/work/wt/hard/daemon/support/csv.c" "CMakeFiles/deliberd_support.dir/daemon/support/csv.c.o" "gcc" "CMakeFiles/deliberd_support.dir/daemon/support/csv.c.o.d"
  "/work/wt/hard/daemon/support/err.c" "CMakeFiles/deliberd_support.dir/daemon/support/err.c.o" "gcc" "CMakeFiles/deliberd_support.dir/daemon/support/err.c.o.d"
  "/work/wt/hard/daemon/support/hex.c" "CMakeFiles/deliberd_support.dir/daemon/support/hex.c.o" "gcc" "CMakeFiles/deliberd_support.dir/daemon/support/hex.c.o.d"
  "/work/wt/hard/daemon/support/log.c" "CMakeFiles/deliberd_support.dir/daemon/support/log.c.o" "gcc" "CMakeFiles/deliberd_support.dir/daemon/support/log.c.o.d"
  "/work/wt/hard/daemon/support/metrics.c" "CMakeFiles/deliberd_support.dir/daemon/support/metrics.c.o" "gcc" "CMakeFiles/deliberd_support.dir/daemon/support/metrics.c.o.d"
  "/work/wt/hard/daemon/support/utf8.c" "CMakeFiles/deliberd_support.dir/daemon/support/utf8.c.o" "gcc" "CMakeFiles/deliberd_support.dir/daemon/support/utf8.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
