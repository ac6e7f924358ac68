# SPDX-License-Identifier: GPL-2.0-only
# bash completion for interdict(8) and interdictd(8). Installed under both
# names, since bash-completion loads a command's file by its name.

_interdict()
{
	local cur prev words cword
	_init_completion || return

	local verbs='check doctor status reload rules mode disable events scan'
	local i verb=

	# The verb is the first word that is neither an option nor the value
	# of --control.
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--control) ((i++)) ;;
		-*) ;;
		*)
			verb=${words[i]}
			break
			;;
		esac
	done

	if [[ -z $verb ]]; then
		case $prev in
		--control)
			_filedir
			return
			;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '-j --json --control -h --help
				--version' -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
		fi
		return
	fi

	case $verb in
	check)
		case $prev in
		--config)
			_filedir conf
			return
			;;
		--dir)
			_filedir -d
			return
			;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '-j --json -v --verbose --config --dir --as -h
				--help --' -- "$cur"))
		else
			_filedir rules
		fi
		;;
	mode)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '-j --json' -- "$cur"))
		elif [[ $prev == mode ]]; then
			COMPREPLY=($(compgen -W 'audit enforce' -- "$cur"))
		fi
		;;
	events)
		case $prev in
		--file)
			_filedir json
			return
			;;
		--config)
			_filedir conf
			return
			;;
		-n | --lines)
			return
			;;
		esac
		[[ $cur == -* ]] &&
			COMPREPLY=($(compgen -W '-j --json -f --follow -n --lines
				--file --journal --config' -- "$cur"))
		;;
	scan)
		case $prev in
		--policy)
			_filedir
			return
			;;
		--config)
			_filedir conf
			return
			;;
		--write-rules)
			_filedir rules
			return
			;;
		-t | --threads | --kill-grace)
			return
			;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '-j --json --policy --config
				--write-rules -t --threads --xdev --cross-filesystems
				--packages --processes --kill --kill-grace --report
				-h --help --' -- "$cur"))
		else
			_filedir -d
		fi
		;;
	doctor | status | reload | rules | disable)
		[[ $cur == -* ]] &&
			COMPREPLY=($(compgen -W '-j --json' -- "$cur"))
		;;
	esac
} &&
	complete -F _interdict interdict

_interdictd()
{
	local cur prev words cword split
	_init_completion -s || return

	case $prev in
	-c | --config)
		_filedir conf
		return
		;;
	-p | --policy-dir | --pin-dir)
		_filedir -d
		return
		;;
	-m | --mode)
		COMPREPLY=($(compgen -W 'audit enforce' -- "$cur"))
		return
		;;
	-e | --events)
		COMPREPLY=($(compgen -W '-' -- "$cur"))
		_filedir
		return
		;;
	--control | -P | --pid-file)
		_filedir
		return
		;;
	--max-sha256-rules | --max-path-rules | --refresh)
		# a number: nothing to offer
		return
		;;
	esac
	$split && return

	COMPREPLY=($(compgen -W '-c --config -p --policy-dir -m --mode -e
		--events --pin-dir --control -P --pid-file --max-sha256-rules
		--max-path-rules --refresh -v --verbose --version -h --help' \
		-- "$cur"))
} &&
	complete -F _interdictd interdictd

# ex: filetype=sh
