/*
 * smartgate-fcgi: a pool of FastCGI processes per program, for Apache's
 * mod_proxy_fcgi (README "mod_proxy_fcgi").
 *
 *   smartgate-fcgi [-n workers] [-u user] [-g group] [-m mode]
 *       -d socket-dir program...
 *   smartgate-fcgi [-n workers] [-u user] program...  (socket activation)
 *
 * With -d it binds one unix socket per program, socket-dir/<name>.sock
 * (<name> the program's file name), mode -m (octal, default 0660), owned
 * by the user of -u (when root) and the group of -g (default: that
 * user's group), so that Apache's user can connect and nobody else.  Without -d the sockets come from
 * systemd (sd_listen_fds(3): LISTEN_PID, LISTEN_FDS, from fd 3 on, one
 * per program, in the order given; apache/systemd/).
 *
 * Each program gets -n workers (default 4), each started with the
 * program's listening socket as fd 0: libfcgi then takes it for a
 * FastCGI server (FCGX_IsCGI() is false) and every worker calls
 * FCGX_Accept_r on the same socket, so the kernel hands each new
 * connection to one idle worker: a pool without a dispatcher.
 *
 * Why a supervisor of our own: spawn-fcgi starts the children once and
 * never replaces one that dies, and systemd runs one process per
 * service (a socket unit passes its listening socket to one service), so
 * neither keeps a pool at its size.  This one restarts a worker that
 * exits, at once if it had run a while, else after a delay that doubles
 * up to 30 s (a program that cannot start, e.g. on a bad configuration,
 * must not spin).
 *
 * Workers get SIGTERM if the supervisor dies (PR_SET_PDEATHSIG).
 * Signals: SIGTERM or SIGINT stops the workers (SIGTERM, then SIGKILL
 * after 10 s), removes the sockets it bound and exits 0.  SIGHUP
 * reloads: every worker gets SIGUSR1, "finish the request in hand and
 * end" (src/request.c: a connection the web server keeps is served until
 * it closes it, as a graceful restart of Apache does), and is replaced
 * by a new one that reads the configuration and keys again; the
 * listening sockets stay open meanwhile, so a request waits in the
 * backlog and none is refused.  A worker still there RELOAD_GRACE_MS
 * later gets SIGTERM.  Workers inherit the environment (SMARTGATE_CONF) and
 * stderr; the supervisor logs each start, exit and restart to stderr.
 *
 * Exit status: 0 stopped by a signal, 1 could not start (socket, user,
 * fork), 2 usage error.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROGRAMS	32
#define MAX_WORKERS	256
#define LISTEN_BACKLOG	1024	/* capped by net.core.somaxconn */
#define SD_LISTEN_FDS_START 3	/* sd_listen_fds(3) */
#define BACKOFF_MIN_MS	250
#define BACKOFF_MAX_MS	30000
#define HEALTHY_MS	5000	/* ran this long: restart at once */
#define STOP_GRACE_MS	10000	/* SIGTERM, then SIGKILL */
#define RELOAD_GRACE_MS	30000	/* SIGUSR1, then SIGTERM */

static const char *progname = "smartgate-fcgi";

struct worker {
	pid_t		 pid;		/* 0: not running */
	long long	 started;	/* ms, monotonic */
	long long	 due;		/* ms: start again then; 0 none */
	long long	 retire_by;	/* ms: SIGTERM if still there */
	long		 backoff;	/* ms */
};

struct program {
	const char	*path;
	const char	*name;		/* file name, for sockets and logs */
	int		 fd;		/* listening socket */
	char		 sock[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int		 bound;		/* we bound sock: unlink at exit */
	struct worker	 w[MAX_WORKERS];
};

static struct program	progs[MAX_PROGRAMS];
static size_t		nprogs;
static unsigned		nworkers = 4;
static uid_t		run_uid;
static gid_t		run_gid;
static int		drop;		/* setuid to run_uid in workers */

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-n workers] [-u user] [-g group] "
	    "[-m mode] [-d socket-dir] program...\n", progname);
	exit(2);
}

static void
logx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
logx(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s[%ld]: ", progname, (long)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A whole decimal number in [lo, hi], strictly (no sign, no space). */
static int
parse_num(const char *s, int base, unsigned long lo, unsigned long hi,
    unsigned long *out)
{
	char		*end;
	unsigned long	 v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Binds and listens on dir/<name>.sock; returns the socket or -1. */
static int
bind_socket(struct program *p, const char *dir, mode_t mode, uid_t uid,
    gid_t gid)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd, n;

	n = snprintf(p->sock, sizeof(p->sock), "%s/%s.sock", dir, p->name);
	if (n < 0 || (size_t)n >= sizeof(p->sock)) {
		logx("%s/%s.sock: path too long for a unix socket", dir,
		    p->name);
		return -1;
	}
	/* A socket left by a previous run goes; anything else stays. */
	if (lstat(p->sock, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			logx("%s exists and is not a socket", p->sock);
			return -1;
		}
		if (unlink(p->sock) != 0) {
			logx("unlink %s: %s", p->sock, strerror(errno));
			return -1;
		}
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		logx("socket: %s", strerror(errno));
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, p->sock, strlen(p->sock) + 1);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		logx("bind %s: %s", p->sock, strerror(errno));
		close(fd);
		return -1;
	}
	p->bound = 1;
	/* Connecting to a unix socket needs write permission on it. */
	if (chmod(p->sock, mode) != 0 ||
	    ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    chown(p->sock, uid, gid) != 0)) {
		logx("%s: chmod/chown: %s", p->sock, strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, LISTEN_BACKLOG) != 0) {
		logx("listen %s: %s", p->sock, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The sockets systemd passed (sd_listen_fds(3)), one per program. */
static int
take_systemd_sockets(void)
{
	const char	*pid_s, *fds_s;
	unsigned long	 pid, n;
	size_t		 i;
	int		 type;
	socklen_t	 len;

	pid_s = getenv("LISTEN_PID");
	fds_s = getenv("LISTEN_FDS");
	if (pid_s == NULL || fds_s == NULL ||
	    parse_num(pid_s, 10, 1, ULONG_MAX, &pid) != 0 ||
	    (pid_t)pid != getpid() ||
	    parse_num(fds_s, 10, 1, MAX_PROGRAMS, &n) != 0) {
		logx("no -d and no sockets from systemd (LISTEN_FDS)");
		return -1;
	}
	if (n != nprogs) {
		logx("systemd passed %lu sockets for %zu programs", n, nprogs);
		return -1;
	}
	for (i = 0; i < nprogs; i++) {
		progs[i].fd = SD_LISTEN_FDS_START + (int)i;
		len = sizeof(type);
		if (getsockopt(progs[i].fd, SOL_SOCKET, SO_TYPE, &type,
		    &len) != 0 || type != SOCK_STREAM) {
			logx("fd %d is not a stream socket", progs[i].fd);
			return -1;
		}
		if (fcntl(progs[i].fd, F_SETFD, FD_CLOEXEC) != 0) {
			logx("fcntl: %s", strerror(errno));
			return -1;
		}
	}
	/* Not for the workers: they get their socket as fd 0. */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return 0;
}

/* In the child: the socket as fd 0, defaults restored, then exec. */
static void
exec_worker(const struct program *p, pid_t parent)
{
	sigset_t	 none;
	char		*argv[2];
	int		 fd;

	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(p->fd, 0) != 0)
		_exit(127);
	/* stdout is the FastCGI stream's business, never the terminal's. */
	if ((fd = open("/dev/null", O_WRONLY)) < 0 || dup2(fd, 1) != 1)
		_exit(127);
	if (fd > 2)
		close(fd);
	if (drop && (setgroups(1, &run_gid) != 0 || setgid(run_gid) != 0 ||
	    setuid(run_uid) != 0)) {
		fprintf(stderr, "%s: dropping privileges: %s\n", progname,
		    strerror(errno));
		_exit(127);
	}
	/*
	 * A supervisor killed outright (SIGKILL) takes its workers with it
	 * instead of leaving a pool nobody restarts.  After setuid(), which
	 * clears the setting (prctl(2) PR_SET_PDEATHSIG); it survives exec.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		_exit(127);
	argv[0] = (char *)(uintptr_t)p->path;
	argv[1] = NULL;
	execv(p->path, argv);
	fprintf(stderr, "%s: exec %s: %s\n", progname, p->path,
	    strerror(errno));
	_exit(127);
}

static int
start_worker(struct program *p, size_t i)
{
	struct worker	*w = &p->w[i];
	pid_t		 pid, parent = getpid();

	if ((pid = fork()) < 0) {
		logx("fork: %s", strerror(errno));
		w->due = now_ms() + BACKOFF_MIN_MS;
		return -1;
	}
	if (pid == 0)
		exec_worker(p, parent);
	w->pid = pid;
	w->started = now_ms();
	w->due = 0;
	w->retire_by = 0;
	return 0;
}

/* Reaps exited workers and schedules their restart. */
static void
reap(int stopping)
{
	struct worker	*w;
	long long	 t;
	pid_t		 pid;
	size_t		 i, j;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < nprogs; i++)
			for (j = 0; j < nworkers; j++)
				if (progs[i].w[j].pid == pid)
					goto found;
		continue;
found:
		w = &progs[i].w[j];
		w->pid = 0;
		if (stopping)
			continue;
		t = now_ms();
		if (w->retire_by != 0 || t - w->started >= HEALTHY_MS)
			w->backoff = 0;	/* asked to go, or ran a while */
		else
			w->backoff = w->backoff == 0 ? BACKOFF_MIN_MS :
			    w->backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
			    w->backoff * 2;
		w->due = t + w->backoff;
		if (WIFSIGNALED(status))
			logx("%s[%zu] pid %ld killed by signal %d; "
			    "restart in %ld ms", progs[i].name, j, (long)pid,
			    WTERMSIG(status), w->backoff);
		else
			logx("%s[%zu] pid %ld exited with status %d; "
			    "restart in %ld ms", progs[i].name, j, (long)pid,
			    WEXITSTATUS(status), w->backoff);
	}
}

static void
signal_all(int sig)
{
	size_t	 i, j;

	for (i = 0; i < nprogs; i++)
		for (j = 0; j < nworkers; j++)
			if (progs[i].w[j].pid > 0)
				kill(progs[i].w[j].pid, sig);
}

static size_t
running(void)
{
	size_t	 i, j, n = 0;

	for (i = 0; i < nprogs; i++)
		for (j = 0; j < nworkers; j++)
			n += progs[i].w[j].pid > 0;
	return n;
}

static void
noop(int sig)
{
	(void)sig;
}

/* Waits up to ms for a signal in set; returns it, or 0. */
static int
wait_signal(const sigset_t *set, long long ms)
{
	struct timespec	 ts;
	int		 sig;

	if (ms < 0)
		ms = 0;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	sig = sigtimedwait(set, NULL, &ts);
	return sig < 0 ? 0 : sig;
}

static void
shutdown_all(const sigset_t *set)
{
	long long	 until;
	size_t		 i;

	logx("stopping %zu workers", running());
	signal_all(SIGTERM);
	until = now_ms() + STOP_GRACE_MS;
	while (running() > 0 && now_ms() < until) {
		wait_signal(set, 100);
		reap(1);
	}
	if (running() > 0) {
		logx("%zu workers still running: SIGKILL", running());
		signal_all(SIGKILL);
		while (running() > 0) {
			wait_signal(set, 100);
			reap(1);
		}
	}
	for (i = 0; i < nprogs; i++)
		if (progs[i].bound)
			unlink(progs[i].sock);
}

int
main(int argc, char *argv[])
{
	struct sigaction sa;
	struct passwd	*pw = NULL;
	struct group	*gr = NULL;
	struct program	*p;
	sigset_t	 set;
	const char	*dir = NULL, *user = NULL, *group = NULL, *slash;
	unsigned long	 v;
	mode_t		 mode = 0660;
	int		 mode_set = 0;
	long long	 t, next;
	size_t		 i, j;
	int		 ch, sig;

	while ((ch = getopt(argc, argv, "d:g:m:n:u:")) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'g':
			group = optarg;
			break;
		case 'm':
			if (parse_num(optarg, 8, 0, 0777, &v) != 0) {
				logx("-m %s: not an octal mode", optarg);
				usage();
			}
			mode = (mode_t)v;
			mode_set = 1;
			break;
		case 'n':
			if (parse_num(optarg, 10, 1, MAX_WORKERS, &v) != 0) {
				logx("-n %s: not a number from 1 to %d",
				    optarg, MAX_WORKERS);
				usage();
			}
			nworkers = (unsigned)v;
			break;
		case 'u':
			user = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > MAX_PROGRAMS) {
		logx("from 1 to %d programs", MAX_PROGRAMS);
		usage();
	}

	/* The programs: absolute paths to executables, names unique. */
	for (i = 0; i < (size_t)argc; i++) {
		p = &progs[i];
		p->path = argv[i];
		p->fd = -1;
		slash = strrchr(p->path, '/');
		p->name = slash != NULL ? slash + 1 : p->path;
		if (p->path[0] != '/' || *p->name == '\0') {
			logx("%s: give the program's absolute path", p->path);
			usage();
		}
		if (access(p->path, X_OK) != 0) {
			logx("%s: %s", p->path, strerror(errno));
			usage();
		}
		for (j = 0; j < i; j++)
			if (strcmp(progs[j].name, p->name) == 0) {
				logx("%s: two programs named %s", p->path,
				    p->name);
				usage();
			}
	}
	nprogs = (size_t)argc;

	/* Who the workers run as: never root. */
	run_uid = (uid_t)-1;
	run_gid = (gid_t)-1;
	if (user != NULL) {
		if ((pw = getpwnam(user)) == NULL) {
			logx("-u %s: no such user", user);
			usage();
		}
		if (getuid() != 0 && pw->pw_uid != getuid()) {
			logx("-u %s: only root can run programs as another "
			    "user", user);
			usage();
		}
		run_uid = pw->pw_uid;
		run_gid = pw->pw_gid;
		drop = getuid() == 0;
	} else if (getuid() == 0) {
		logx("refusing to run the programs as root: give -u user");
		usage();
	}
	if (group != NULL && (gr = getgrnam(group)) == NULL) {
		logx("-g %s: no such group", group);
		usage();
	}
	if ((group != NULL || mode_set) && dir == NULL) {
		logx("-g and -m are for sockets made with -d");
		usage();
	}

	/* Signals are taken synchronously, with sigtimedwait(). */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* A handler, so that SIGCHLD is never discarded while blocked. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = noop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (dir != NULL) {
		for (i = 0; i < nprogs; i++) {
			progs[i].fd = bind_socket(&progs[i], dir, mode,
			    getuid() == 0 ? run_uid : (uid_t)-1,
			    gr != NULL ? gr->gr_gid :
			    getuid() == 0 ? run_gid : (gid_t)-1);
			if (progs[i].fd < 0)
				goto fail;
		}
	} else if (take_systemd_sockets() != 0)
		goto fail;

	for (i = 0; i < nprogs; i++) {
		for (j = 0; j < nworkers; j++)
			if (start_worker(&progs[i], j) != 0)
				goto fail;
		logx("%s: %u workers on %s", progs[i].name, nworkers,
		    progs[i].bound ? progs[i].sock : "the socket from systemd");
	}

	for (;;) {
		/* Sleep until a signal or the next restart or retirement. */
		t = now_ms();
		next = t + 1000;
		for (i = 0; i < nprogs; i++)
			for (j = 0; j < nworkers; j++) {
				struct worker *w = &progs[i].w[j];

				if (w->pid == 0 && w->due != 0 && w->due < next)
					next = w->due;
				if (w->pid > 0 && w->retire_by != 0 &&
				    w->retire_by < next)
					next = w->retire_by;
			}
		sig = wait_signal(&set, next - t);
		if (sig == SIGTERM || sig == SIGINT) {
			shutdown_all(&set);
			logx("stopped");
			return 0;
		}
		reap(0);
		t = now_ms();
		if (sig == SIGHUP) {
			logx("reload: replacing %zu workers", running());
			for (i = 0; i < nprogs; i++)
				for (j = 0; j < nworkers; j++)
					if (progs[i].w[j].pid > 0) {
						progs[i].w[j].retire_by =
						    t + RELOAD_GRACE_MS;
						kill(progs[i].w[j].pid,
						    SIGUSR1);
					}
		}
		for (i = 0; i < nprogs; i++)
			for (j = 0; j < nworkers; j++) {
				struct worker *w = &progs[i].w[j];

				if (w->pid == 0 && w->due != 0 && w->due <= t)
					start_worker(&progs[i], j);
				else if (w->pid > 0 && w->retire_by != 0 &&
				    w->retire_by <= t) {
					logx("%s[%zu] pid %ld did not finish "
					    "in time: SIGTERM", progs[i].name,
					    j, (long)w->pid);
					kill(w->pid, SIGTERM);
					w->retire_by = 0;
					w->backoff = 0;
					w->started = 0;	/* restart at once */
				}
			}
	}

fail:
	shutdown_all(&set);
	return 1;
}
