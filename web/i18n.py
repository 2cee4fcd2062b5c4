"""The station's words, French (fr-CA) first, English available (a switch, or the browser's Accept-Language)."""

from __future__ import annotations

LANGS = ("fr", "en")

TEXTS: dict[str, tuple[str, str]] = {
    "app": ("demat — poste de vérification", "demat — review station"),
    "login": ("Connexion", "Sign in"),
    "user": ("Utilisateur", "User"),
    "password": ("Mot de passe", "Password"),
    "sign_in": ("Se connecter", "Sign in"),
    "sign_out": ("Se déconnecter", "Sign out"),
    "bad_login": ("Nom d'utilisateur ou mot de passe incorrect.", "Wrong user name or password."),
    "queue": ("À vérifier", "To review"),
    "queue_count": ("{n} dossier(s) à vérifier", "{n} record(s) to review"),
    "next": ("Suivant", "Next"),
    "empty_queue": ("Rien à vérifier : la file est vide.", "Nothing to review: the queue is empty."),
    "procedure": ("Procédure", "Procedure"),
    "batch": ("Lot", "Batch"),
    "ingested": ("Reçu le", "Received"),
    "all": ("Toutes", "All"),
    "filter": ("Filtrer", "Filter"),
    "open": ("Ouvrir", "Open"),
    "held_by": ("Ouvert par {who}", "Opened by {who}"),
    "record": ("Dossier", "Record"),
    "page": ("Page", "Page"),
    "fields": ("Champs", "Fields"),
    "confidence": ("Confiance", "Confidence"),
    "read_as": ("Lu", "Read"),
    "accept": ("Accepter", "Accept"),
    "reject": ("Rejeter", "Reject"),
    "postpone": ("Reporter", "Postpone"),
    "reason": ("Motif du rejet", "Reason for rejecting"),
    "saved_accept": ("Dossier accepté.", "Record accepted."),
    "saved_reject": ("Dossier rejeté.", "Record rejected."),
    "postponed": ("Dossier reporté.", "Record postponed."),
    "conflict": ("Ce dossier a été modifié par quelqu'un d'autre depuis son ouverture : rien n'a été enregistré. "
                 "Rechargez-le pour voir sa nouvelle version.",
                 "This record was changed by someone else since you opened it: nothing was saved. "
                 "Reload it to see its new version."),
    "held": ("Ce dossier est ouvert par {who}.", "This record is open by {who}."),
    "fix_first": ("Corrigez les champs signalés : rien n'a été enregistré.",
                  "Correct the fields shown: nothing was saved."),
    "shortcuts": ("Raccourcis", "Shortcuts"),
    "k_enter": ("Entrée : confirmer le champ et passer au suivant à vérifier",
                "Enter: confirm the field, go to the next doubtful one"),
    "k_accept": ("Ctrl+Entrée : accepter le dossier", "Ctrl+Enter: accept the record"),
    "k_reject": ("Alt+R : rejeter (avec un motif)", "Alt+R: reject (with a reason)"),
    "k_postpone": ("Alt+P : reporter", "Alt+P: postpone"),
    "k_toggle": ("Espace : cocher ou décocher une case", "Space: tick or untick a box"),
    "k_candidate": ("Alt+C : prendre la proposition du champ", "Alt+C: take the field's suggestion"),
    "candidate": ("Proposition", "Suggestion"),
    "k_next": ("Alt+N : dossier suivant", "Alt+N: next record"),
    "not_found": ("Page introuvable", "Page not found"),
    "not_found_text": ("Ce que vous cherchez n'existe pas, ou ne vous est pas accessible.",
                       "What you are looking for does not exist, or is not yours to see."),
    "forbidden": ("Accès refusé", "Access denied"),
    "forbidden_text": ("Votre rôle ne donne pas accès à cette page.", "Your role does not give access to this page."),
    "csrf": ("Le formulaire a expiré. Rechargez la page et recommencez.",
             "The form has expired. Reload the page and try again."),
    "error": ("Erreur", "Error"),
    "error_text": ("Une erreur est survenue ; elle a été consignée. Réessayez, ou prévenez l'administrateur.",
                   "Something went wrong; it was logged. Try again, or tell the administrator."),
    "back": ("Retour à la file", "Back to the queue"),
    "errors": ("À vérifier", "To check"),
    "status": ("Statut", "Status"),
    "switch": ("English", "Français"),
    "group": ("Vérification groupée", "Group verification"),
    "second_look": ("2e regard", "second look"),
    "kind": ("Motif", "Reason"),
    "kind_confidence": ("lecture incertaine", "uncertain reading"),
    "kind_invalid": ("valeur invalide", "invalid value"),
    "kind_required": ("champ obligatoire vide", "required field empty"),
    "kind_alignment": ("page non alignée", "page not aligned"),
    "kind_tool": ("échec d'un outil", "a tool failed"),
    "kind_other": ("autre", "other"),
    "second_look_text": ("Contrôle de qualité : ce dossier a été accepté sans personne ; vérifiez chaque champ. Ce que "
                         "vous corrigez mesure le taux d'erreur réel des dossiers acceptés.",
                         "Quality check: this record was accepted with no one looking; check every field. What you "
                         "correct measures the real error rate of accepted records."),
    "upload": ("Déposer des documents", "Upload documents"),
    "upload_help": ("Fichiers (PNG, JPEG, TIFF, PDF) ou archives zip, ou un dossier entier : ils forment un lot, lu "
                    "comme par demat ingest. Au plus {mb} Mo par dépôt.",
                    "Files (PNG, JPEG, TIFF, PDF) or zip archives, or a whole folder: they make one batch, read "
                    "as demat ingest reads. At most {mb} MB per upload."),
    "files": ("Fichiers ou archives", "Files or archives"),
    "folder": ("Ou un dossier", "Or a folder"),
    "send": ("Déposer", "Upload"),
    "too_big": ("Dépôt trop volumineux : rien n'a été gardé.", "Upload too large: nothing was kept."),
    "no_file": ("Aucun fichier reçu.", "No file received."),
    "reading": ("Lecture en cours : {done} document(s) sur {total}, {pages} page(s).",
                "Reading: {done} of {total} document(s), {pages} page(s)."),
    "read_done": ("Lot {batch} lu : {documents} document(s), {pages} page(s), {accepted} accepté(s), "
                  "{needs_review} à vérifier, {rejected} rejeté(s), {duplicates_skipped} déjà reçu(s).",
                  "Batch {batch} read: {documents} document(s), {pages} page(s), {accepted} accepted, "
                  "{needs_review} to review, {rejected} rejected, {duplicates_skipped} already received."),
    "read_failed": ("La lecture du lot a échoué : {why}", "Reading the batch failed: {why}"),
    "to_batch": ("Vérifier ce lot", "Review this batch"),
    "group_pick": ("Choisissez une case à cocher ou un champ en cases :", "Choose a checkbox or comb field:"),
    "group_help": ("Chaque case montre le champ de son dossier. Corrigez celles qui sont fausses (Espace coche ou "
                   "décoche), puis Ctrl+Entrée confirme toute la grille.",
                   "Each cell shows the field of its record. Correct the wrong ones (Space ticks or unticks), "
                   "then Ctrl+Enter confirms the whole grid."),
    "group_confirm": ("Tout confirmer", "Confirm all"),
    "group_done": ("{n} dossier(s) confirmé(s).", "{n} record(s) confirmed."),
    "group_empty": ("Aucun dossier à vérifier pour ce champ.", "No record to review for this field."),
}


def pick(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LANGS:
        return cookie
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGS:
            return code
    return "fr"


def translator(lang: str):
    i = LANGS.index(lang)

    def t(key: str, **kw: object) -> str:
        text = TEXTS[key][i]
        return text.format(**kw) if kw else text

    return t
