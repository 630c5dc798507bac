# SPDX-License-Identifier: BSD-2-Clause
# dslite-ctl top (issue 13) in a real terminal: tmux, 100x30. Site A's host
# pings the server 200 times a second, site B's 20; the screen shows a
# B4-side rate in and out near 220 packets/s and site A's subscriber first
# among the busiest by packets, at about 200/s each way, site B second. The
# window made smaller, no line is longer than its width and the header
# stays on top. q ends the program within a second, and so does SIGTERM;
# --count ends it after its frames (the last one left on the screen), a
# daemon that goes away with exit 1, saying so. Each time the terminal is
# as it was: the pane's tty back in canonical mode with echo, the alternate
# screen left; ^Z gives an interactive bash its screen back and fg takes it
# again. Not on a terminal, one frame as plain text; with --threads 2 and
# the sites on different engines, one ranking of both.

TOP_TMUX=dslite-top-$$
PING_RATE=200   # site A, packets/s
PING_RATE_B=20  # site B

tm() { tmux -L "$TOP_TMUX" -f /dev/null "$@"; }

# A tmux session NAME running dslite-ctl top ARGS...; when top ends, the
# pane's shell writes the tty's settings, then its exit status (the file
# `ended` waits for, so the settings are whole by then), then idles
# (so the pane stays to be looked at; it ends by itself).
top_pane() {
    local name=$1
    shift
    tm new-session -d -s "$name" -x 100 -y 30 \
        "sh -c 'echo \$\$ >$LAB_DIR/$name.pid; exec $LAB_CTL --control $LAB_CONTROL top $*' 2>$LAB_DIR/$name.err
         s=\$?; stty -a >$LAB_DIR/$name.stty; echo \$s >$LAB_DIR/$name.rc; sleep 30"
}

screen_of() { tm capture-pane -p -J -t "$1"; }

# NAME: the screen has a frame with rates (a B4 row with a number in it).
has_rates() { screen_of "$1" | grep -Eq '^b4 +[0-9]'; }

# VALUE RATE: no more than a quarter above it, and at least half of it: on a
# busy machine ping falls behind its -i timer (129/s for 200 was seen with
# other builds running), it never runs ahead.
near() {
    [[ $1 =~ ^[0-9]+$ ]] && (($1 >= $2 / 2 && $1 <= $2 * 5 / 4)) || { echo "$1 is not near $2"; return 1; }
}

b4_rates_near_sent() {  # SCREEN: in and out on the B4 side near the ping rate
    local row
    row=$(grep -E '^b4 ' <<<"$1") || { echo "no b4 row in:"; echo "$1"; return 1; }
    read -r _ in _ out _ <<<"$row"
    near "$in" $((PING_RATE + PING_RATE_B)) && near "$out" $((PING_RATE + PING_RATE_B))
}

uplink_rates_near_sent() {
    local row
    row=$(grep -E '^uplink ' <<<"$1") || { echo "no uplink row"; return 1; }
    read -r _ in _ out _ <<<"$row"
    near "$in" $((PING_RATE + PING_RATE_B)) && near "$out" $((PING_RATE + PING_RATE_B))
}

site_a_busiest() {  # SCREEN: the first row under BUSIEST BY PACKETS is site A, at about its ping rate each way
    local first
    first=$(awk '/^BUSIEST BY PACKETS/ { getline; getline; print; exit }' <<<"$1")
    [[ $first == 2001:db8:a::/56* ]] || { echo "first by packets: '$first' in:"; echo "$1"; return 1; }
    read -r _ _ from to _ <<<"$first"
    near "$from" $PING_RATE && near "$to" $PING_RATE || { echo "$1"; return 1; }
}

site_b_second() {
    local second
    second=$(awk '/^BUSIEST BY PACKETS/ { getline; getline; getline; print; exit }' <<<"$1")
    [[ $second == 2001:db8:b::/56* ]] || { echo "second by packets: '$second'"; return 1; }
}

fits() {  # SCREEN WIDTH HEIGHT: no line longer, no more lines, the header first
    local longest
    longest=$(awk '{ if (length($0) > n) n = length($0) } END { print n + 0 }' <<<"$1")
    ((longest <= $2)) || { echo "a line of $longest columns in a window of $2:"; echo "$1"; return 1; }
    (($(wc -l <<<"$1") <= $3)) || { echo "more than $3 lines"; return 1; }
    [[ $(head -n1 <<<"$1") == "dslite-aftr up "* ]] || { echo "no header on top:"; echo "$1"; return 1; }
}

ended() { [[ -s $LAB_DIR/$1.rc ]]; }

# NAME STATUS: top ended with STATUS and left the tty as it found it.
restored() {
    [[ $(<"$LAB_DIR/$1.rc") == "$2" ]] || { echo "exit status $(<"$LAB_DIR/$1.rc"), not $2"; return 1; }
    grep -qw icanon "$LAB_DIR/$1.stty" && grep -qw echo "$LAB_DIR/$1.stty" || {
        echo "the tty was left raw:"
        cat "$LAB_DIR/$1.stty"
        return 1
    }
    [[ $(tm display-message -p -t "$1" '#{alternate_on}') == 0 ]] || { echo "still on the alternate screen"; return 1; }
}

ends_within_a_second() { lab_wait 1 ended "$1"; }

alternate() { [[ $(tm display-message -p -t "$1" '#{alternate_on}') == "$2" ]]; }  # NAME 0|1
stopped_by_bash() { alternate "$1" 0 && screen_of "$1" | grep -q Stopped; }
redrawn() { alternate "$1" 1 && has_rates "$1"; }

case_main() {
    check "dslite-ctl top runs in a tmux pane (100x30)" top_pane live
    check "... and draws its first frame with rates" lab_wait 5 has_rates live
    lab_in hosta ping -q -i "$(awk "BEGIN { print 1 / $PING_RATE }")" -c $((PING_RATE * 8)) "$LAB_SERVER" \
        >"$LAB_DIR/ping.txt" 2>&1 &
    local ping=$!
    # Site B, slower: second by packets.
    lab_in hostb ping -q -i "$(awk "BEGIN { print 1 / $PING_RATE_B }")" -c $((PING_RATE_B * 8)) "$LAB_SERVER" >"$LAB_DIR/ping-b.txt" 2>&1 &
    local ping_b=$!
    sleep 4
    local screen
    screen=$(screen_of live)
    sed 's/^/      | /' <<<"$screen"
    check "the B4 side shows ~$((PING_RATE + PING_RATE_B)) packets/s in and out" b4_rates_near_sent "$screen"
    check "the uplink side too" uplink_rates_near_sent "$screen"
    check "site A (2001:db8:a::/56) is the busiest by packets, at ~$PING_RATE/s each way" site_a_busiest "$screen"
    check "site B (2001:db8:b::/56) comes second" site_b_second "$screen"
    check "it has bindings by protocol in the header" contains "$(head -n1 <<<"$screen")" "icmp 2)"
    check "... and fits 100x30" fits "$screen" 100 30

    tm resize-window -t live -x 60 -y 12
    sleep 1.5
    screen=$(screen_of live)
    sed 's/^/      | /' <<<"$screen"
    check "made 60x12, no line is longer than 60 and the header stays on top" fits "$screen" 60 12
    tm resize-window -t live -x 30 -y 5
    sleep 1.5
    check "made 30x5, the same" fits "$(screen_of live)" 30 5
    check "the pings went through" wait $ping $ping_b

    tm send-keys -t live q
    check "q ends it within a second" ends_within_a_second live
    check "... exit 0, the terminal restored" restored live 0

    check "a second top runs" top_pane term
    check "... and draws" lab_wait 5 has_rates term
    kill -TERM "$(<"$LAB_DIR/term.pid")"
    check "SIGTERM ends it within a second" ends_within_a_second term
    check "... exit 0, the terminal restored" restored term 0

    # ^Z under a shell with job control: the shell's screen back while
    # stopped, top's again after fg.
    tm new-session -d -s job -x 100 -y 30 "bash --norc --noprofile -i"
    tm send-keys -t job "$LAB_CTL --control $LAB_CONTROL top" Enter
    check "top under an interactive bash draws" lab_wait 5 has_rates job
    tm send-keys -t job C-z
    check "^Z stops it and gives bash its screen back" lab_wait 2 stopped_by_bash job
    tm send-keys -t job fg Enter
    check "fg takes the screen again and redraws" lab_wait 3 redrawn job
    tm send-keys -t job q
    check "... and q still quits" lab_wait 1 alternate job 0

    check "top --count 2 runs" top_pane counted --count 2
    check "... ends by itself after two frames" lab_wait 5 ended counted
    check "... exit 0, the terminal restored" restored counted 0
    check "... its last frame left on the screen" contains "$(screen_of counted)" "BUSIEST BY PACKETS"

    local plain
    plain=$(lab_ctl top --interval 0.5)
    check "not on a terminal: one frame as plain text" contains "$plain" "BUSIEST BY PACKETS"
    check "... without escape sequences" lacks "$plain" $'\e'

    # Two engines, the sites on different ones (threads.sh's seed): one ranking still.
    check "dslite-aftr restarts with --threads 2" lab_restart_aftr --threads 2 --seed 1
    lab_in hosta ping -q -i "$(awk "BEGIN { print 1 / $PING_RATE }")" -c $((PING_RATE * 6)) "$LAB_SERVER" \
        >"$LAB_DIR/ping-a2.txt" 2>&1 &
    ping=$!
    lab_in hostb ping -q -i "$(awk "BEGIN { print 1 / $PING_RATE_B }")" -c $((PING_RATE_B * 6)) "$LAB_SERVER" \
        >"$LAB_DIR/ping-b2.txt" 2>&1 &
    ping_b=$!
    sleep 3  # past the second the pings started in
    plain=$(lab_ctl top)
    check "two threads: the header says so" contains "$(head -n1 <<<"$plain")" "threads 2"
    check "... site A first by packets (~$PING_RATE/s) from one engine" site_a_busiest "$plain"
    check "... site B second, from the other" site_b_second "$plain"
    check "... both engines' subscribers are ranked by bindings" contains \
        "$(sed -n '/^BUSIEST BY BINDINGS/,$p' <<<"$plain")" "2001:db8:b::/56"
    check "... the two were on different engines" json_check "$(lab_ctl --json subscribers)" \
        'len({s["engine"] for s in d["subscribers"]}) == 2'
    check "the pings went through" wait $ping $ping_b

    check "a third top runs" top_pane gone
    check "... and draws" lab_wait 5 has_rates gone
    lab_stop aftr
    check "the daemon stopped: top ends" lab_wait 5 ended gone
    check "... exit 1, the terminal restored" restored gone 1
    check "... saying why" contains "$(<"$LAB_DIR/gone.err")" "dslite-ctl: "
    tm kill-server 2>/dev/null || true
}
