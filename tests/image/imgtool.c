/* Test driver for the image/rootfs.h API (built by tests/image/run.sh
 * against libcapsa.a):
 *   imgtool mount ROOT NAME ID STATE_DIR [classic]  mount; print rootfs and config
 *   imgtool unmount ROOT ID STATE_DIR [keep]
 *   imgtool apply ROOTFS CFG_ROOT NAME [USER]        apply the image config to a
 *       spec with empty args, env [SHARED=spec PATH=/spec], cwd "/", and print it
 *   imgtool unpack LAYER.tar DIR [openat2|walk]      unpack one layer */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/fsutil.h"
#include "image/rootfs.h"
#include "image/unpack.h"

static int fail(const struct rt_err *e)
{
	fprintf(stderr, "imgtool: %s\n", e->msg);
	return 1;
}

static void print_cfg(const struct img_config *c)
{
	printf("entrypoint=");
	for (size_t i = 0; i < c->n_entrypoint; i++)
		printf("%s%s", i ? "|" : "", c->entrypoint[i]);
	printf("\ncmd=");
	for (size_t i = 0; i < c->n_cmd; i++)
		printf("%s%s", i ? "|" : "", c->cmd[i]);
	printf("\nworkdir=%s\nuser=%s\n", c->working_dir ?: "", c->user ?: "");
}

int main(int argc, char **argv)
{
	struct rt_err err = { 0 };

	if (argc >= 6 && strcmp(argv[1], "mount") == 0) {
		char *rootfs = NULL;
		struct img_config *cfg = NULL;

		img_rootfs_no_new_mount_api = argc > 6 && strcmp(argv[6], "classic") == 0;
		if (img_rootfs_mount(argv[2], argv[3], argv[4], argv[5], &rootfs, &cfg, &err) < 0)
			return fail(&err);
		printf("rootfs=%s\n", rootfs);
		print_cfg(cfg);
		free(rootfs);
		img_config_free(cfg);
		return 0;
	}
	if (argc >= 5 && strcmp(argv[1], "unmount") == 0) {
		if (img_rootfs_unmount(argv[2], argv[3], argv[4], argc > 5 && strcmp(argv[5], "keep") == 0,
				       &err) < 0)
			return fail(&err);
		return 0;
	}
	if (argc >= 5 && strcmp(argv[1], "apply") == 0) {
		/* mount-free: read the config through a throwaway mount is not
		 * needed, the config comes from a second mount call's output */
		struct rt_spec spec = { 0 };
		struct img_config cfg = { 0 };
		char *env[] = { strdup("SHARED=spec"), strdup("PATH=/spec"), NULL };
		char *ep[] = { (char *)"/bin/sh", (char *)"-c", NULL }, *cmd[] = { (char *)"echo hi", NULL };
		char *ienv[] = { (char *)"PATH=/image", (char *)"IMAGE_VAR=image", (char *)"SHARED=image",
				 NULL };

		(void)argv[3];
		spec.root_path = strdup(argv[2]);
		spec.process.env = calloc(3, sizeof(char *));
		memcpy(spec.process.env, env, sizeof(env));
		spec.process.n_env = 2;
		spec.process.cwd = strdup("/");
		cfg.entrypoint = ep;
		cfg.n_entrypoint = 2;
		cfg.cmd = cmd;
		cfg.n_cmd = 1;
		cfg.env = ienv;
		cfg.n_env = 3;
		cfg.working_dir = (char *)"/data";
		cfg.user = argv[4];
		if (img_config_apply(&cfg, &spec, &err) < 0)
			return fail(&err);
		printf("args=");
		for (size_t i = 0; i < spec.process.n_args; i++)
			printf("%s%s", i ? "|" : "", spec.process.args[i]);
		printf("\nenv=");
		for (size_t i = 0; i < spec.process.n_env; i++)
			printf("%s%s", i ? "|" : "", spec.process.env[i]);
		printf("\ncwd=%s\nuid=%u\ngid=%u\ngids=", spec.process.cwd, spec.process.user.uid,
		       spec.process.user.gid);
		for (size_t i = 0; i < spec.process.user.n_additional_gids; i++)
			printf("%s%u", i ? "," : "", spec.process.user.additional_gids[i]);
		printf("\n");
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "unpack") == 0) {
		struct img_unpack_opts o = { .expect_size = -1 };
		struct img_unpack_result res;
		int src = open(argv[2], O_RDONLY | O_CLOEXEC),
		    dst = open(argv[3], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		img_fs_no_openat2 = argc > 4 && strcmp(argv[4], "walk") == 0;
		if (src < 0 || dst < 0) {
			perror("open");
			return 1;
		}
		if (img_unpack(src, dst, &o, &res, &err) < 0)
			return fail(&err);
		printf("entries=%llu diff=%s\n", (unsigned long long)res.entries, res.diff_hex);
		return 0;
	}
	fprintf(stderr, "usage: imgtool mount|unmount|apply|unpack ...\n");
	return 2;
}
