#!/usr/bin/env bash
# Deploys Docx2Pdf as a private Cloud Run service fed by a bucket's notifications through an authenticated Pub/Sub push
# subscription with a dead-letter topic. Idempotent: every step creates what is missing and updates what exists, so run
# it again after changing a value. docs/deploy-cloud-run.md explains each step and its values.
#
#   bash eng/deploy-cloud-run.sh --project my-project --region europe-west1 \
#        --input-bucket my-docx --output-bucket my-pdfs [--image IMAGE | --build] [--dry-run]
#
# Every option can also come from the environment: PROJECT, REGION, INPUT_BUCKET, OUTPUT_BUCKET, IMAGE, SERVICE,
# MAX_INSTANCES. --dry-run prints every gcloud command (a runnable recipe) and runs none.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The recommended instance size (vCPU, memory, pool, queue) lives in one file, shared with the docs and the tests.
# shellcheck source=eng/cloud-run-size.env
source "$ROOT/eng/cloud-run-size.env"

PROJECT="${PROJECT:-}"
REGION="${REGION:-}"
INPUT_BUCKET="${INPUT_BUCKET:-}"
OUTPUT_BUCKET="${OUTPUT_BUCKET:-}"
SERVICE="${SERVICE:-docx2pdf}"
IMAGE="${IMAGE:-}"
MAX_INSTANCES="${MAX_INSTANCES:-10}"
BUILD=0
DRY_RUN=0

# Pub/Sub push: the longest ack deadline Pub/Sub allows; Docx2Pdf:PubSub:Push:AckDeadline is told the same value.
ACK_DEADLINE_SECONDS=600
# Exponential redelivery backoff of the push subscription.
MIN_RETRY_DELAY=10s
MAX_RETRY_DELAY=600s
# Deliveries before Pub/Sub moves a message to the dead-letter topic. The library records a document that keeps failing
# itself (Docx2Pdf:MaxEngineFailures, 2; Docx2Pdf:MaxDeliveryAttempts, 5, for unexpected errors) and never gives up on
# back-pressure or storage faults, which also use deliveries: with the 10-600 s backoff, 50 deliveries are hours of
# retries. What still reaches the dead-letter topic (storage down longer than that) is kept there, not lost.
MAX_DELIVERY_ATTEMPTS=50

usage() {
  sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

while (($#)); do
  case "$1" in
    --project) PROJECT="$2"; shift 2 ;;
    --region) REGION="$2"; shift 2 ;;
    --input-bucket) INPUT_BUCKET="$2"; shift 2 ;;
    --output-bucket) OUTPUT_BUCKET="$2"; shift 2 ;;
    --service) SERVICE="$2"; shift 2 ;;
    --image) IMAGE="$2"; shift 2 ;;
    --max-instances) MAX_INSTANCES="$2"; shift 2 ;;
    --build) BUILD=1; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "Unknown argument: $1" >&2; usage 2 ;;
  esac
done

missing=()
[ -n "$PROJECT" ] || missing+=(--project)
[ -n "$REGION" ] || missing+=(--region)
[ -n "$INPUT_BUCKET" ] || missing+=(--input-bucket)
[ -n "$OUTPUT_BUCKET" ] || missing+=(--output-bucket)
if ((${#missing[@]})); then
  echo "Missing: ${missing[*]} (or the environment variables PROJECT, REGION, INPUT_BUCKET, OUTPUT_BUCKET)." >&2
  exit 2
fi

REPOSITORY="docx2pdf"
IMAGE="${IMAGE:-$REGION-docker.pkg.dev/$PROJECT/$REPOSITORY/$SERVICE:latest}"
TOPIC="$SERVICE-uploads"
SUBSCRIPTION="$SERVICE-push"
DEAD_LETTER_TOPIC="$SERVICE-dead-letter"
DEAD_LETTER_SUBSCRIPTION="$SERVICE-dead-letter"
RUNTIME_SA="$SERVICE-runtime@$PROJECT.iam.gserviceaccount.com"
PUSH_SA="$SERVICE-push@$PROJECT.iam.gserviceaccount.com"
CONCURRENCY=$((DOCX2PDF_POOL_SIZE + DOCX2PDF_QUEUE_LENGTH))
# Cloud Run must never cut a request Pub/Sub still waits for: the host answers 503 just before the ack deadline itself.
REQUEST_TIMEOUT_SECONDS=$ACK_DEADLINE_SECONDS

# Prints a command the way a shell reads it back; @@NAME@@ placeholders (values only the cloud knows) become ${NAME}.
quote() {
  local out="" arg
  for arg in "$@"; do out+="$(printf '%q' "$arg") "; done
  out="${out% }"
  while [[ $out =~ @@([A-Z_]+)@@ ]]; do out="${out//"${BASH_REMATCH[0]}"/"\${${BASH_REMATCH[1]}}"}"; done
  printf '%s' "$out"
}

step() { printf '\n# %s\n' "$*"; }

# Runs a command (or prints it with --dry-run).
run() {
  if ((DRY_RUN)); then quote "$@"; echo; else "$@"; fi
}

# ensure CHECK... -- CREATE...: runs CREATE when CHECK fails (the resource is missing).
ensure() {
  local check=()
  while [ "$1" != "--" ]; do check+=("$1"); shift; done
  shift
  if ((DRY_RUN)); then
    printf '%s >/dev/null 2>&1 || %s\n' "$(quote "${check[@]}")" "$(quote "$@")"
  elif ! "${check[@]}" >/dev/null 2>&1; then
    "$@"
  fi
}

# upsert CHECK... -- UPDATE... -- CREATE...: UPDATE when CHECK succeeds (it exists), CREATE otherwise.
upsert() {
  local check=() update=()
  while [ "$1" != "--" ]; do check+=("$1"); shift; done
  shift
  while [ "$1" != "--" ]; do update+=("$1"); shift; done
  shift
  if ((DRY_RUN)); then
    printf 'if %s >/dev/null 2>&1; then %s; else %s; fi\n' "$(quote "${check[@]}")" "$(quote "${update[@]}")" "$(quote "$@")"
  elif "${check[@]}" >/dev/null 2>&1; then
    "${update[@]}"
  else
    "$@"
  fi
}

# lookup NAME COMMAND...: reads a value from the cloud; with --dry-run prints "NAME=$(COMMAND)" and yields @@NAME@@.
lookup() {
  local name="$1"
  shift
  if ((DRY_RUN)); then
    # shellcheck disable=SC2016 # the $( ) is printed for the reader's shell, not expanded here
    printf '%s=$(%s)\n' "$name" "$(quote "$@")" >&2
    printf '@@%s@@' "$name"
  else
    "$@"
  fi
}

if ((DRY_RUN)); then
  # The looked-up values' commands go to stderr from a subshell; keep them in the printed recipe's order.
  exec 2>&1
fi

P=(--project "$PROJECT")

step "1. APIs"
run gcloud services enable run.googleapis.com pubsub.googleapis.com storage.googleapis.com iam.googleapis.com \
  artifactregistry.googleapis.com cloudbuild.googleapis.com "${P[@]}"
PROJECT_NUMBER="$(lookup PROJECT_NUMBER gcloud projects describe "$PROJECT" --format='value(projectNumber)')"
PUBSUB_AGENT="service-$PROJECT_NUMBER@gcp-sa-pubsub.iam.gserviceaccount.com"

step "2. Runtime service account: reads the input bucket; creates, reads and deletes in the output bucket"
ensure gcloud iam service-accounts describe "$RUNTIME_SA" "${P[@]}" -- \
  gcloud iam service-accounts create "$SERVICE-runtime" --display-name "Docx2Pdf service (runtime)" "${P[@]}"
run gcloud storage buckets add-iam-policy-binding "gs://$INPUT_BUCKET" \
  --member "serviceAccount:$RUNTIME_SA" --role roles/storage.objectViewer "${P[@]}"
run gcloud storage buckets add-iam-policy-binding "gs://$OUTPUT_BUCKET" \
  --member "serviceAccount:$RUNTIME_SA" --role roles/storage.objectUser "${P[@]}"

step "3. Topic and the input bucket's notification (OBJECT_FINALIZE, JSON payload)"
ensure gcloud pubsub topics describe "$TOPIC" "${P[@]}" -- gcloud pubsub topics create "$TOPIC" "${P[@]}"
if ((DRY_RUN)); then
  printf '%s | grep -q %s || %s\n' \
    "$(quote gcloud storage buckets notifications list "gs://$INPUT_BUCKET" --format='value(topic)' "${P[@]}")" \
    "$(quote "/topics/$TOPIC\$")" \
    "$(quote gcloud storage buckets notifications create "gs://$INPUT_BUCKET" --topic "projects/$PROJECT/topics/$TOPIC" \
      --event-types OBJECT_FINALIZE --payload-format json "${P[@]}")"
elif ! gcloud storage buckets notifications list "gs://$INPUT_BUCKET" --format='value(topic)' "${P[@]}" | grep -q "/topics/$TOPIC\$"; then
  # Also lets the bucket's Cloud Storage service agent publish to the topic.
  gcloud storage buckets notifications create "gs://$INPUT_BUCKET" --topic "projects/$PROJECT/topics/$TOPIC" \
    --event-types OBJECT_FINALIZE --payload-format json "${P[@]}"
fi

step "4. Dead-letter topic, its subscription, and the Pub/Sub service agent's right to publish to it"
ensure gcloud pubsub topics describe "$DEAD_LETTER_TOPIC" "${P[@]}" -- gcloud pubsub topics create "$DEAD_LETTER_TOPIC" "${P[@]}"
ensure gcloud pubsub subscriptions describe "$DEAD_LETTER_SUBSCRIPTION" "${P[@]}" -- \
  gcloud pubsub subscriptions create "$DEAD_LETTER_SUBSCRIPTION" --topic "$DEAD_LETTER_TOPIC" \
  --message-retention-duration 7d --expiration-period never "${P[@]}"
run gcloud pubsub topics add-iam-policy-binding "$DEAD_LETTER_TOPIC" \
  --member "serviceAccount:$PUBSUB_AGENT" --role roles/pubsub.publisher "${P[@]}"

step "5. The image"
if ((BUILD)); then
  ensure gcloud artifacts repositories describe "$REPOSITORY" --location "$REGION" "${P[@]}" -- \
    gcloud artifacts repositories create "$REPOSITORY" --repository-format docker --location "$REGION" "${P[@]}"
  run gcloud builds submit "$ROOT" --config "$ROOT/eng/cloudbuild.yaml" --substitutions "_IMAGE=$IMAGE" "${P[@]}"
else
  echo "# using $IMAGE (pass --build to build it with Cloud Build from this checkout)"
fi

step "6. The private Cloud Run service"
ENV_VARS=(
  "Docx2Pdf__OutputBucket=$OUTPUT_BUCKET"
  "Docx2Pdf__InputBuckets__0=$INPUT_BUCKET"
  "Docx2Pdf__Storage__Provider=CloudStorage"
  "Docx2Pdf__LibreOffice__PoolSize=$DOCX2PDF_POOL_SIZE"
  "Docx2Pdf__LibreOffice__QueueLength=$DOCX2PDF_QUEUE_LENGTH"
  # Cloud Logging's trace field names the project; the service does not ask the metadata server for it.
  "GOOGLE_CLOUD_PROJECT=$PROJECT"
)
# The push endpoint's section: Docx2Pdf:PubSub:Push, formerly Docx2Pdf:PubSubPush. Both are set until every build in use
# reads the new name; a key no options type reads is ignored.
for PUSH_SECTION in Docx2Pdf__PubSub__Push Docx2Pdf__PubSubPush; do
  ENV_VARS+=(
    "${PUSH_SECTION}__Authentication=Platform"
    "${PUSH_SECTION}__AckDeadline=$(printf '%02d:%02d:%02d' $((ACK_DEADLINE_SECONDS / 3600)) $((ACK_DEADLINE_SECONDS % 3600 / 60)) $((ACK_DEADLINE_SECONDS % 60)))"
  )
done
ENV_LIST="$(IFS=,; echo "${ENV_VARS[*]}")"
run gcloud run deploy "$SERVICE" --image "$IMAGE" --region "$REGION" "${P[@]}" \
  --service-account "$RUNTIME_SA" \
  --no-allow-unauthenticated \
  --ingress all \
  --execution-environment gen2 \
  --cpu "$CLOUD_RUN_CPU" --memory "$CLOUD_RUN_MEMORY" \
  --concurrency "$CONCURRENCY" \
  --timeout "${REQUEST_TIMEOUT_SECONDS}s" \
  --cpu-boost \
  --min-instances 0 --max-instances "$MAX_INSTANCES" \
  --startup-probe "httpGet.path=/healthz/ready,initialDelaySeconds=0,periodSeconds=1,timeoutSeconds=1,failureThreshold=120" \
  --liveness-probe "httpGet.path=/healthz/live,periodSeconds=30,timeoutSeconds=5,failureThreshold=3" \
  --set-env-vars "$ENV_LIST"
SERVICE_URL="$(lookup SERVICE_URL gcloud run services describe "$SERVICE" --region "$REGION" --format='value(status.url)' "${P[@]}")"

step "7. Push service account: may invoke the service, nothing else"
ensure gcloud iam service-accounts describe "$PUSH_SA" "${P[@]}" -- \
  gcloud iam service-accounts create "$SERVICE-push" --display-name "Docx2Pdf Pub/Sub push identity" "${P[@]}"
run gcloud run services add-iam-policy-binding "$SERVICE" --region "$REGION" \
  --member "serviceAccount:$PUSH_SA" --role roles/run.invoker "${P[@]}"
# Pub/Sub's service agent mints the push tokens; projects created before April 2021 need this grant (harmless after).
run gcloud iam service-accounts add-iam-policy-binding "$PUSH_SA" \
  --member "serviceAccount:$PUBSUB_AGENT" --role roles/iam.serviceAccountTokenCreator "${P[@]}"

step "8. The push subscription: authenticated, 600 s ack deadline, exponential backoff, dead-letter topic"
SUBSCRIPTION_SETTINGS=(
  --push-endpoint "$SERVICE_URL/"
  --push-auth-service-account "$PUSH_SA"
  --push-auth-token-audience "$SERVICE_URL"
  --ack-deadline "$ACK_DEADLINE_SECONDS"
  --min-retry-delay "$MIN_RETRY_DELAY" --max-retry-delay "$MAX_RETRY_DELAY"
  --dead-letter-topic "$DEAD_LETTER_TOPIC" --max-delivery-attempts "$MAX_DELIVERY_ATTEMPTS"
)
upsert gcloud pubsub subscriptions describe "$SUBSCRIPTION" "${P[@]}" -- \
  gcloud pubsub subscriptions update "$SUBSCRIPTION" "${SUBSCRIPTION_SETTINGS[@]}" "${P[@]}" -- \
  gcloud pubsub subscriptions create "$SUBSCRIPTION" --topic "$TOPIC" "${SUBSCRIPTION_SETTINGS[@]}" \
  --expiration-period never "${P[@]}"
# Forwarding to the dead-letter topic acknowledges the message on this subscription: the service agent must subscribe.
run gcloud pubsub subscriptions add-iam-policy-binding "$SUBSCRIPTION" \
  --member "serviceAccount:$PUBSUB_AGENT" --role roles/pubsub.subscriber "${P[@]}"

step "Done. Send a test file and look for its PDF:"
echo "#   gcloud storage cp samples/documents/welcome.docx gs://$INPUT_BUCKET/"
echo "#   gcloud storage ls gs://$OUTPUT_BUCKET/welcome.pdf gs://$OUTPUT_BUCKET/docx2pdf-failures/"
