file(REMOVE_RECURSE
  "CMakeFiles/layering_service_sees_http.dir/layering/service_sees_http.c.o"
  "CMakeFiles/layering_service_sees_http.dir/layering/service_sees_http.c.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/layering_service_sees_http.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
