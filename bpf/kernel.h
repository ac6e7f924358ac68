/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few kernel structures the programs read, declared by hand with CO-RE
 * relocations: libbpf fixes every offset against the running kernel's BTF
 * at load, so one object runs on 6.1 and 6.12 without a generated vmlinux.h.
 */
#ifndef INTERDICT_KERNEL_H
#define INTERDICT_KERNEL_H

#define CORE __attribute__((preserve_access_index))

typedef struct { int counter; } CORE atomic_t;
typedef struct { __u32 val; } CORE kuid_t;
typedef struct { __u32 val; } CORE kgid_t;

typedef struct { long long counter; } CORE atomic64_t;

struct super_block {
	__u32 s_dev;
	unsigned long s_magic;
	unsigned long s_flags;
} CORE;

/* include/linux/fs.h: the file system counts changes in i_version */
#define SB_I_VERSION	(1UL << 23)

struct inode {
	unsigned short i_mode;
	unsigned long i_ino;
	__u32 i_generation;
	struct super_block *i_sb;
	atomic_t i_writecount;
	atomic64_t i_version;
	long long i_size;
	unsigned int i_nlink;
} CORE;

struct mnt_namespace;

/* In an anonymous struct in a union with hash_len: 6.1's verifier lets
 * no load span the two, so they are read one by one. */
struct qstr {
	__u32 hash;
	__u32 len;
} CORE;

struct dentry {
	struct dentry *d_parent;
	struct qstr d_name;
	struct inode *d_inode;
} CORE;

struct vfsmount {
	struct dentry *mnt_root;
	struct super_block *mnt_sb;
} CORE;

struct mount {
	struct vfsmount mnt;
	struct mnt_namespace *mnt_ns;
	int mnt_id;
} CORE;

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
} CORE;

struct fs_struct {
	struct path root;
	struct path pwd;
} CORE;

struct file {
	struct path f_path;
	struct inode *f_inode;
	unsigned int f_mode;
} CORE;

struct vm_area_struct {
	unsigned long vm_flags;	/* in an anonymous union since 6.3 */
	struct file *vm_file;
} CORE;

struct linux_binprm {
	struct file *file;
} CORE;

/* 6.14 and later: set for execveat(AT_EXECVE_CHECK), which asks whether
 * the file may run and runs nothing (read with BPF_CORE_READ_BITFIELD,
 * a plain load: no bpf_probe_read_kernel() under lockdown) */
struct linux_binprm___check {
	unsigned int is_check:1;
} CORE;

struct cred {
	kuid_t uid;
	kgid_t gid;
} CORE;

struct mm_struct {
	unsigned long arg_start;
	unsigned long arg_end;
	struct file *exe_file;
} CORE;

struct pt_regs {
	unsigned long dx;
	unsigned long si;
	unsigned long orig_ax;
} CORE;

struct nsproxy {
	struct mnt_namespace *mnt_ns;
} CORE;

struct task_struct {
	int pid;
	int tgid;
	struct task_struct *real_parent;
	struct fs_struct *fs;
	struct mm_struct *mm;
	struct nsproxy *nsproxy;
	const struct cred *cred;
} CORE;

struct bpf_map {
	__u32 id;
} CORE;

struct bpf_prog_aux {
	__u32 id;
} CORE;

struct bpf_prog {
	struct bpf_prog_aux *aux;
} CORE;

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
} CORE;

struct bpf_iter__task_file {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	__u32 fd;
	struct file *file;
} CORE;

#define PTRACE_MODE_ATTACH 0x02
#define FMODE_READ	0x1
#define FMODE_WRITE	0x2
#define PROT_EXEC	0x4
#define VM_EXEC		0x4
#define HASH_ALGO_SHA256 4	/* enum hash_algo, include/uapi/linux/hash_info.h */
#define EPERM		1
#define EINVAL		22
#define S_IFMT		00170000
#define S_IFREG		0100000
#define S_IFLNK		0120000

#endif /* INTERDICT_KERNEL_H */
