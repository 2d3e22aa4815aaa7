#!/bin/bash
# devstack plugin of tools/local-devstack, enabled on the compute subnode
# only. The subnode's stack.sh installs its packages while the controller
# stacks; before the subnode configures and starts its services (which
# talk to the controller's), it waits here until local-devstack writes
# the controller's result into the gate file: "stacked" or "failed".

LDS_CONTROLLER_GATE=${LDS_CONTROLLER_GATE:-/opt/stack/local-devstack/controller-gate}
LDS_CONTROLLER_TIMEOUT=${LDS_CONTROLLER_TIMEOUT:-3600}

function wait_for_controller_stack {
    local deadline result
    deadline=$((SECONDS + LDS_CONTROLLER_TIMEOUT))
    echo "local-devstack: waiting for the controller's stack.sh ($LDS_CONTROLLER_GATE)"
    until [[ -s $LDS_CONTROLLER_GATE ]]; do
        if ((SECONDS >= deadline)); then
            die $LINENO "local-devstack: no word from the controller's stack.sh in ${LDS_CONTROLLER_TIMEOUT}s"
        fi
        sleep 5
    done
    result=$(<"$LDS_CONTROLLER_GATE")
    if [[ $result != stacked ]]; then
        die $LINENO "local-devstack: the controller's stack.sh ended with '$result'; not starting the subnode's services"
    fi
    echo "local-devstack: the controller is stacked"
}

if [[ ${1:-} == stack && ${2:-} == post-config ]]; then
    wait_for_controller_stack
fi
