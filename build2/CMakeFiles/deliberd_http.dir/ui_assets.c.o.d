CMakeFiles/deliberd_http.dir/ui_assets.c.o: \
 /work/wt/hard/build2/ui_assets.c /usr/include/stdc-predef.h \
 /work/wt/hard/daemon/http/ui_assets.h \
 /usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h
