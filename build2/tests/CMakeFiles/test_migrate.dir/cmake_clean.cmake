file(REMOVE_RECURSE
  "CMakeFiles/test_migrate.dir/unit/store/test_migrate.c.o"
  "CMakeFiles/test_migrate.dir/unit/store/test_migrate.c.o.d"
  "test_migrate"
  "test_migrate.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_migrate.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
