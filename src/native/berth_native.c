/*
 * The few system calls Berth needs that Node.js does not offer: a SOCK_SEQPACKET Unix socket
 * (conmon's attach socket speaks it; Node's net module only does SOCK_STREAM) and shutdown()
 * on it, whose reads and writes then go through Node's fs functions on the descriptor; and
 * listing, reading and removing extended attributes of a path without following a symlink (the
 * copying storage driver turns overlay's opaque-directory xattr into a deletion; export records
 * xattrs in the tar); and mount(2)/umount2(2) called directly, for EROFS layer indexes, whose
 * image is a regular file: mount(8) would put it on a loop device, the kernel can read the
 * file itself.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/xattr.h>
#include <sys/un.h>
#include <stdlib.h>
#include <unistd.h>

static napi_value throw_errno(napi_env env, int err, const char *what) {
  const char *code = strerrorname_np(err);
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_throw_error(env, code != NULL ? code : "EUNKNOWN", message);
  return NULL;
}

/* connectSeqpacket(path: string): number -- a connected SOCK_SEQPACKET descriptor (close-on-exec). */
static napi_value connect_seqpacket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  struct sockaddr_un addr;
  size_t length = 0;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    napi_throw_type_error(env, NULL, "connectSeqpacket(path) needs a path");
    return NULL;
  }
  if (napi_get_value_string_utf8(env, argv[0], addr.sun_path, sizeof addr.sun_path, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "the path must be a string");
    return NULL;
  }
  if (length >= sizeof addr.sun_path - 1) return throw_errno(env, ENAMETOOLONG, "connect");
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket");
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "connect");
  }
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

/* shutdown(fd: number, how: 0 | 1 | 2): void -- ends reading, writing or both; wakes a blocked read. */
static napi_value shutdown_socket(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd = -1;
  int32_t how = SHUT_RDWR;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int32(env, argv[1], &how) != napi_ok) {
    napi_throw_type_error(env, NULL, "shutdown(fd, how) needs two numbers");
    return NULL;
  }
  if (shutdown(fd, how) < 0 && errno != ENOTCONN) return throw_errno(env, errno, "shutdown");
  return NULL;
}

/* Reads two string arguments (a path and an xattr name) into fixed buffers; false after throwing. */
static int path_and_name(napi_env env, napi_callback_info info, char *path, size_t path_size, char *name, size_t name_size) {
  size_t argc = 2;
  napi_value argv[2];
  size_t length = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2
      || napi_get_value_string_utf8(env, argv[0], path, path_size, &length) != napi_ok || length >= path_size - 1
      || napi_get_value_string_utf8(env, argv[1], name, name_size, &length) != napi_ok || length >= name_size - 1) {
    napi_throw_type_error(env, NULL, "needs a path (under 4096 bytes) and an attribute name (under 256 bytes)");
    return 0;
  }
  return 1;
}

/* getXattr(path: string, name: string): Buffer | null -- lgetxattr; null when the path has no such attribute. */
static napi_value get_xattr(napi_env env, napi_callback_info info) {
  char path[4096], name[256];
  if (!path_and_name(env, info, path, sizeof path, name, sizeof name)) return NULL;
  napi_value result;
  for (;;) {
    ssize_t size = lgetxattr(path, name, NULL, 0);
    if (size < 0) {
      if (errno == ENODATA || errno == ENOTSUP) {
        napi_get_null(env, &result);
        return result;
      }
      return throw_errno(env, errno, "lgetxattr");
    }
    char *value = malloc(size > 0 ? (size_t)size : 1);
    if (value == NULL) return throw_errno(env, ENOMEM, "lgetxattr");
    ssize_t n = lgetxattr(path, name, value, (size_t)size);
    if (n < 0) {
      int err = errno;
      free(value);
      if (err == ERANGE) continue; /* it grew between the two calls */
      if (err == ENODATA || err == ENOTSUP) {
        napi_get_null(env, &result);
        return result;
      }
      return throw_errno(env, err, "lgetxattr");
    }
    void *data = NULL;
    napi_create_buffer_copy(env, (size_t)n, value, &data, &result);
    free(value);
    return result;
  }
}

/* listXattr(path: string): string[] -- llistxattr: the attribute names, in the kernel's order; [] when unsupported. */
static napi_value list_xattr(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[4096];
  size_t length = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1
      || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &length) != napi_ok || length >= sizeof path - 1) {
    napi_throw_type_error(env, NULL, "listXattr(path) needs a path under 4096 bytes");
    return NULL;
  }
  napi_value result;
  napi_create_array(env, &result);
  for (;;) {
    ssize_t size = llistxattr(path, NULL, 0);
    if (size < 0) {
      if (errno == ENOTSUP) return result;
      return throw_errno(env, errno, "llistxattr");
    }
    if (size == 0) return result;
    char *names = malloc((size_t)size);
    if (names == NULL) return throw_errno(env, ENOMEM, "llistxattr");
    ssize_t n = llistxattr(path, names, (size_t)size);
    if (n < 0) {
      int err = errno;
      free(names);
      if (err == ERANGE) continue;
      if (err == ENOTSUP) return result;
      return throw_errno(env, err, "llistxattr");
    }
    uint32_t index = 0;
    for (ssize_t pos = 0; pos < n;) {
      size_t len = strnlen(names + pos, (size_t)(n - pos));
      napi_value item;
      napi_create_string_utf8(env, names + pos, len, &item);
      napi_set_element(env, result, index++, item);
      pos += (ssize_t)len + 1;
    }
    free(names);
    return result;
  }
}

/* removeXattr(path: string, name: string): void -- lremovexattr; a missing attribute is not an error. */
static napi_value remove_xattr(napi_env env, napi_callback_info info) {
  char path[4096], name[256];
  if (!path_and_name(env, info, path, sizeof path, name, sizeof name)) return NULL;
  if (lremovexattr(path, name) < 0 && errno != ENODATA && errno != ENOTSUP) return throw_errno(env, errno, "lremovexattr");
  return NULL;
}

/* Reads argument `i` as a UTF-8 string into `out` (size bytes); false after throwing. */
static int string_arg(napi_env env, napi_value value, char *out, size_t size, const char *what) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, out, size, &length) != napi_ok || length >= size - 1) {
    napi_throw_type_error(env, NULL, what);
    return 0;
  }
  return 1;
}

/* mount(source, target, fstype, flags, data): void -- mount(2) as given. */
static napi_value mount_fs(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  char source[4096], target[4096], fstype[64], data[4096];
  uint32_t flags = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5
      || napi_get_value_uint32(env, argv[3], &flags) != napi_ok) {
    napi_throw_type_error(env, NULL, "mount(source, target, fstype, flags, data) needs four strings and a number");
    return NULL;
  }
  if (!string_arg(env, argv[0], source, sizeof source, "mount: source too long")
      || !string_arg(env, argv[1], target, sizeof target, "mount: target too long")
      || !string_arg(env, argv[2], fstype, sizeof fstype, "mount: fstype too long")
      || !string_arg(env, argv[4], data, sizeof data, "mount: options too long")) return NULL;
  if (mount(source, target, fstype, flags, data) < 0) return throw_errno(env, errno, "mount");
  return NULL;
}

/* umount(target, flags): void -- umount2(2). */
static napi_value umount_fs(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  char target[4096];
  uint32_t flags = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2
      || napi_get_value_uint32(env, argv[1], &flags) != napi_ok) {
    napi_throw_type_error(env, NULL, "umount(target, flags) needs a string and a number");
    return NULL;
  }
  if (!string_arg(env, argv[0], target, sizeof target, "umount: target too long")) return NULL;
  if (umount2(target, (int)flags) < 0) return throw_errno(env, errno, "umount2");
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"connectSeqpacket", NULL, connect_seqpacket, NULL, NULL, NULL, napi_default, NULL},
    {"shutdown", NULL, shutdown_socket, NULL, NULL, NULL, napi_default, NULL},
    {"getXattr", NULL, get_xattr, NULL, NULL, NULL, napi_default, NULL},
    {"listXattr", NULL, list_xattr, NULL, NULL, NULL, napi_default, NULL},
    {"removeXattr", NULL, remove_xattr, NULL, NULL, NULL, napi_default, NULL},
    {"mount", NULL, mount_fs, NULL, NULL, NULL, napi_default, NULL},
    {"umount", NULL, umount_fs, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
