
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/wt/hard/daemon/core/certs.c" "CMakeFiles/deliberd_core.dir/daemon/core/certs.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/certs.c.o.d"
  "/work/wt/hard/daemon/core/codeset.c" "CMakeFiles/deliberd_core.dir/daemon/core/codeset.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/codeset.c.o.d"
  "/work/wt/hard/daemon/core/extract.c" "CMakeFiles/deliberd_core.dir/daemon/core/extract.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/extract.c.o.d"
  "/work/wt/hard/daemon/core/extract_cols.c" "CMakeFiles/deliberd_core.dir/daemon/core/extract_cols.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/extract_cols.c.o.d"
  "/work/wt/hard/daemon/core/extract_par.c" "CMakeFiles/deliberd_core.dir/daemon/core/extract_par.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/extract_par.c.o.d"
  "/work/wt/hard/daemon/core/extract_report.c" "CMakeFiles/deliberd_core.dir/daemon/core/extract_report.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/extract_report.c.o.d"
  "/work/wt/hard/daemon/core/ident.c" "CMakeFiles/deliberd_core.dir/daemon/core/ident.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/ident.c.o.d"
  "/work/wt/hard/daemon/core/nn.c" "CMakeFiles/deliberd_core.dir/daemon/core/nn.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/nn.c.o.d"
  "/work/wt/hard/daemon/core/odrl.c" "CMakeFiles/deliberd_core.dir/daemon/core/odrl.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/odrl.c.o.d"
  "/work/wt/hard/daemon/core/output.c" "CMakeFiles/deliberd_core.dir/daemon/core/output.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/output.c.o.d"
  "/work/wt/hard/daemon/core/output_judge.c" "CMakeFiles/deliberd_core.dir/daemon/core/output_judge.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/output_judge.c.o.d"
  "/work/wt/hard/daemon/core/output_suppress.c" "CMakeFiles/deliberd_core.dir/daemon/core/output_suppress.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/output_suppress.c.o.d"
  "/work/wt/hard/daemon/core/pattern.c" "CMakeFiles/deliberd_core.dir/daemon/core/pattern.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/pattern.c.o.d"
  "/work/wt/hard/daemon/core/personset.c" "CMakeFiles/deliberd_core.dir/daemon/core/personset.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/personset.c.o.d"
  "/work/wt/hard/daemon/core/report.c" "CMakeFiles/deliberd_core.dir/daemon/core/report.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/report.c.o.d"
  "/work/wt/hard/daemon/core/role.c" "CMakeFiles/deliberd_core.dir/daemon/core/role.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/role.c.o.d"
  "/work/wt/hard/daemon/core/terms.c" "CMakeFiles/deliberd_core.dir/daemon/core/terms.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/terms.c.o.d"
  "/work/wt/hard/daemon/core/terms_build.c" "CMakeFiles/deliberd_core.dir/daemon/core/terms_build.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/terms_build.c.o.d"
  "/work/wt/hard/daemon/core/terms_file.c" "CMakeFiles/deliberd_core.dir/daemon/core/terms_file.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/terms_file.c.o.d"
  "/work/wt/hard/daemon/core/terms_json.c" "CMakeFiles/deliberd_core.dir/daemon/core/terms_json.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/terms_json.c.o.d"
  "/work/wt/hard/daemon/core/terms_text.c" "CMakeFiles/deliberd_core.dir/daemon/core/terms_text.c.o" "gcc" "CMakeFiles/deliberd_core.dir/daemon/core/terms_text.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/wt/hard/build2/CMakeFiles/deliberd_support.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
