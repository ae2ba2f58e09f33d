/*
 * replay.c
 *	  Runs a fuzz target over every file of the given directories once, with
 *	  no fuzzing engine: the test command's replay of the seed corpus (built
 *	  with gcc and AddressSanitizer/UBSan).  Prints one TAP line per target.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	int			files = 0,
				i;

	for (i = 2; i < argc; i++)
	{
		DIR		   *d = opendir(argv[i]);
		struct dirent *e;

		if (d == NULL)
		{
			printf("not ok - %s: cannot open %s\n", argv[1], argv[i]);
			return 1;
		}
		while ((e = readdir(d)) != NULL)
		{
			char		path[4096];
			FILE	   *f;
			uint8_t    *buf;
			long		len;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			f = fopen(path, "rb");
			if (f == NULL)
				continue;
			fseek(f, 0, SEEK_END);
			len = ftell(f);
			fseek(f, 0, SEEK_SET);
			buf = malloc(len > 0 ? len : 1);
			if (fread(buf, 1, len, f) != (size_t) len)
				len = 0;
			fclose(f);
			LLVMFuzzerTestOneInput(buf, len);	/* aborts on a failed check */
			free(buf);
			files++;
		}
		closedir(d);
	}
	printf("ok - %s: %d corpus inputs replayed under ASan/UBSan\n", argv[1], files);
	return files > 0 ? 0 : 1;
}
