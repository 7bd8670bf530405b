file(REMOVE_RECURSE
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_audit.c.o"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_audit.c.o.d"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_certificate.c.o"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_certificate.c.o.d"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_credential.c.o"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_credential.c.o.d"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_history.c.o"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_history.c.o.d"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_import.c.o"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_import.c.o.d"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_keygen.c.o"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_keygen.c.o.d"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_migrate.c.o"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_migrate.c.o.d"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_output.c.o"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_output.c.o.d"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_retention.c.o"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_retention.c.o.d"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_terms.c.o"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_terms.c.o.d"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_util.c.o"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_util.c.o.d"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_validate.c.o"
  "CMakeFiles/deliberd_cli.dir/daemon/cli/cli_validate.c.o.d"
  "libdeliberd_cli.a"
  "libdeliberd_cli.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/deliberd_cli.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
