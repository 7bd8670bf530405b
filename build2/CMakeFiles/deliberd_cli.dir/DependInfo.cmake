
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/wt/hard/daemon/cli/cli_audit.c" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_audit.c.o" "gcc" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_audit.c.o.d"
  "/work/wt/hard/daemon/cli/cli_certificate.c" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_certificate.c.o" "gcc" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_certificate.c.o.d"
  "/work/wt/hard/daemon/cli/cli_credential.c" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_credential.c.o" "gcc" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_credential.c.o.d"
  "/work/wt/hard/daemon/cli/cli_history.c" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_history.c.o" "gcc" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_history.c.o.d"
  "/work/wt/hard/daemon/cli/cli_import.c" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_import.c.o" "gcc" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_import.c.o.d"
  "/work/wt/hard/daemon/cli/cli_keygen.c" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_keygen.c.o" "gcc" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_keygen.c.o.d"
  "/work/wt/hard/daemon/cli/cli_migrate.c" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_migrate.c.o" "gcc" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_migrate.c.o.d"
  "/work/wt/hard/daemon/cli/cli_output.c" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_output.c.o" "gcc" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_output.c.o.d"
  "/work/wt/hard/daemon/cli/cli_retention.c" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_retention.c.o" "gcc" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_retention.c.o.d"
  "/work/wt/hard/daemon/cli/cli_terms.c" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_terms.c.o" "gcc" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_terms.c.o.d"
  "/work/wt/hard/daemon/cli/cli_util.c" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_util.c.o" "gcc" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_util.c.o.d"
  "/work/wt/hard/daemon/cli/cli_validate.c" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_validate.c.o" "gcc" "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_validate.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/wt/hard/build2/CMakeFiles/deliberd_service.dir/DependInfo.cmake"
  "/work/wt/hard/build2/CMakeFiles/deliberd_store.dir/DependInfo.cmake"
  "/work/wt/hard/build2/CMakeFiles/deliberd_core.dir/DependInfo.cmake"
  "/work/wt/hard/build2/CMakeFiles/deliberd_support.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
